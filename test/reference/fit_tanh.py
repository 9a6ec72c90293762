#!/usr/bin/python3
"""precast's float tanh (detail::rational_tanh in src/precast/layers/tanh.hpp; the activation, the recurrent cells,
frozen_network): x P(x^2) / Q(x^2) with P and Q of degree 4 in x^2, fitted on [0, 9] by iteratively reweighted
least squares on the linearised relative error (Lawson weights, towards relative minimax), then checked in float32
(every 7th float of [1e-6, 9.5], Horner; the library uses Estrin's scheme, whose rounding differs slightly:
simd_math_test.cpp checks the library itself). Prints the fit's error, the float32 errors and the coefficients.
Run: /usr/bin/python3 test/reference/fit_tanh.py (numpy and mpmath, both Debian packages)."""
import mpmath as mp
import numpy as np

mp.mp.dps = 30
C = 9.0
xs = np.sort(np.concatenate([np.linspace(1e-3, C, 30000), np.geomspace(1e-5, 1e-3, 200)]))
f = np.array([float(mp.tanh(mp.mpf(x)) / x) for x in xs])  # tanh(x) / x, even: a function of t = x^2
t = xs * xs


def fit(n_p, n_q, iterations=300):
    weights = 1 / f
    lawson = np.ones_like(t)
    best = None
    for _ in range(iterations):
        # P(t) - f(t) (Q(t) - 1) = f(t), Q(0) = 1
        a = np.hstack([np.vstack([t**i for i in range(n_p + 1)]).T, -(f[:, None]) * np.vstack([t**i for i in range(1, n_q + 1)]).T])
        solution, *_ = np.linalg.lstsq(a * weights[:, None], f * weights, rcond=None)
        p = solution[:n_p + 1]
        q = np.concatenate([[1.0], solution[n_p + 1:]])
        pv, qv = np.polyval(p[::-1], t), np.polyval(q[::-1], t)
        error = (pv / qv - f) / f
        if best is None or np.abs(error).max() < best[2]:
            best = (p, q, np.abs(error).max())
        lawson = lawson * np.abs(error)
        lawson /= lawson.sum()
        weights = np.sqrt(lawson) / np.abs(f * qv)
    return best


p, q, relative = fit(4, 4)
print("relative error of the fit (exact arithmetic): %.3g" % relative)
p32, q32 = [np.float32(c) for c in p], [np.float32(c) for c in q]
bits = np.arange(np.float32(1e-6).view(np.int32), np.float32(9.5).view(np.int32), 7, dtype=np.int32)
x = bits.view(np.float32)
xc = np.minimum(x, np.float32(9.5))
tt = xc * xc
pf, qf = p32[4], q32[4]
for i in (3, 2, 1, 0):
    pf, qf = pf * tt + p32[i], qf * tt + q32[i]
y = np.minimum(xc * pf / qf, np.float32(1))
exact = np.tanh(x.astype(np.float64))
print("float32: max |error| %.3g, max relative %.3g" % (np.abs(y - exact).max(), (np.abs(y - exact) / exact).max()))
print("P:", ", ".join("%.9g" % c for c in p32))
print("Q:", ", ".join("%.9g" % c for c in q32))
