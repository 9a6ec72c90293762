#!/usr/bin/python3
"""The float tanh of precast's recurrent cells (detail::tanh_of in src/precast/layers/recurrent.hpp): x P(x^2) / Q(x^2)
on [-9, 9], fitted by iteratively reweighted least squares (Loeb, then Lawson weights) towards relative minimax,
then checked in float32 over [-12, 12]. Prints the errors and the coefficients. Run: /usr/bin/python3 test/reference/fit_tanh.py"""
import numpy as np
c = 9.0
n_p, n_q = 7, 4
xs = np.concatenate([np.linspace(1e-5, 1.0, 6000), np.linspace(1.0, c, 12000)])
t = np.tanh(xs); u = xs*xs; v = u/(c*c)
w = np.ones_like(xs); qv = np.ones_like(xs)
for it in range(200):
    A = np.zeros((len(xs), n_p + n_q - 1))
    for k in range(n_p): A[:, k] = xs * v**k
    for k in range(1, n_q): A[:, n_p+k-1] = -t * v**k
    W = w/(np.abs(qv)*np.abs(t))
    sol, *_ = np.linalg.lstsq(A*W[:, None], t*W, rcond=None)
    cp = sol[:n_p]; cq = np.r_[1.0, sol[n_p:]]
    pv = sum(cp[k]*v**k for k in range(n_p)); qv = sum(cq[k]*v**k for k in range(n_q))
    rel = np.abs(xs*pv/qv - t)/t
    w = w*(rel/rel.max())**0.3; w /= w.mean()
print("double max rel", rel.max(), "q min", qv.min())
# back to coefficients in u = x^2
P = np.array([cp[k]/(c*c)**k for k in range(n_p)]); Q = np.array([cq[k]/(c*c)**k for k in range(n_q)])
def evalf(xf):
    xf = xf.astype(np.float32); xc = np.clip(xf, np.float32(-c), np.float32(c)); uf = xc*xc
    pf = np.float32(P[-1])
    for k in range(n_p-2, -1, -1): pf = pf*uf + np.float32(P[k])
    qf = np.float32(Q[-1])
    for k in range(n_q-2, -1, -1): qf = qf*uf + np.float32(Q[k])
    return np.clip(xc*pf/qf, -1, 1).astype(np.float32)
xf = np.linspace(-12, 12, 4000001).astype(np.float32)
y = evalf(xf); ref = np.tanh(xf.astype(np.float64)); err = np.abs(y-ref)
print("float max abs", err.max(), "at", xf[err.argmax()])
m = np.abs(xf) > 1e-30
rel = err[m]/np.abs(ref[m]); print("float max rel", rel.max(), "at", xf[m][rel.argmax()])
# ulps relative to float spacing of the reference
ulp = np.spacing(np.abs(ref).astype(np.float32)).astype(np.float64)
print("max ulps", (err/ulp).max())
print("P", [float(x) for x in P]); print("Q", [float(x) for x in Q])
