// Linear regression by gradient descent, the first exercise of the teaching material: recover y = 0.1 x + 0.3
// from 1000 samples. The data lives in precast tensor buffers and every sum is an xsimd kernel call; before
// training, the analytic gradient of the loss is checked against central finite differences.
//
//   loss(w, b)   = 1/n sum_i (w x_i + b - y_i)^2
//   dloss/dw     = 2/n sum_i r_i x_i        (r_i = w x_i + b - y_i, the residual)
//   dloss/db     = 2/n sum_i r_i
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include <precast/precast.hpp>

namespace
{
    constexpr std::size_t sample_count = 1000;
    using samples = precast::tensor_buffer<float, precast::shape<sample_count>>;

    struct gradient
    {
        double dw;
        double db;
    };

    struct model
    {
        float w;
        float b;
    };

    // r <- w x + b - y, returning the loss.
    double residuals(const model& m, const samples& x, const samples& y, samples& r)
    {
        r.fill(m.b);
        precast::kernels::axpy(m.w, x.span(), r.span());
        precast::kernels::axpy(-1.0f, y.span(), r.span());
        return precast::kernels::dot(std::as_const(r).span(), std::as_const(r).span()) / static_cast<double>(sample_count);
    }

    gradient analytic_gradient(const model& m, const samples& x, const samples& y, const samples& ones, samples& r)
    {
        (void)residuals(m, x, y, r);
        const double scale = 2.0 / static_cast<double>(sample_count);
        return {scale * precast::kernels::dot(std::as_const(r).span(), x.span()),
                scale * precast::kernels::dot(std::as_const(r).span(), ones.span())};
    }

    // |a - n| / max(|a|, |n|, floor): relative, with an absolute floor so that tiny gradients do not divide by ~0.
    double relative_error(double analytic, double numeric)
    {
        return std::fabs(analytic - numeric) / std::fmax(std::fmax(std::fabs(analytic), std::fabs(numeric)), 1e-3);
    }
}

int main()
{
    samples x;
    samples y;
    samples r;
    const samples ones(1.0f);
    std::uint64_t state = 20261122;  // a fixed seed: the same data on every run
    for (std::size_t i = 0; i < sample_count; ++i)
    {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        x[i] = static_cast<float>(state >> 40) / static_cast<float>(1 << 24);  // uniform in [0, 1)
        y[i] = 0.1f * x[i] + 0.3f;
    }

    std::printf("precast %d.%d.%d, SIMD target %.*s (%zu floats per register)\n", precast::version.major, precast::version.minor,
                precast::version.patch, static_cast<int>(precast::kernels::simd_arch_name().size()),
                precast::kernels::simd_arch_name().data(), precast::kernels::simd_width<float>);

    // Gradient check at a point away from the optimum; the step h balances truncation and float rounding.
    model m{0.8f, -0.5f};
    const gradient g = analytic_gradient(m, x, y, ones, r);
    const float h = 1e-2f;  // the loss is quadratic, so central differences are exact up to rounding
    const double num_dw = (residuals({m.w + h, m.b}, x, y, r) - residuals({m.w - h, m.b}, x, y, r)) / (2.0 * h);
    const double num_db = (residuals({m.w, m.b + h}, x, y, r) - residuals({m.w, m.b - h}, x, y, r)) / (2.0 * h);
    const double err_w = relative_error(g.dw, num_dw);
    const double err_b = relative_error(g.db, num_db);
    std::printf("gradient check: dL/dw analytic %+.6f numeric %+.6f (rel. error %.1e); dL/db analytic %+.6f numeric %+.6f (rel. error %.1e)\n",
                g.dw, num_dw, err_w, g.db, num_db, err_b);
    const double tolerance = 1e-3;
    if (!(err_w < tolerance && err_b < tolerance))
    {
        std::printf("gradient check FAILED: relative error above %.0e\n", tolerance);
        return EXIT_FAILURE;
    }

    const float learning_rate = 0.5f;
    for (int step = 0; step <= 2000; ++step)
    {
        const gradient gs = analytic_gradient(m, x, y, ones, r);
        const bool done = std::hypot(gs.dw, gs.db) < 1e-6;  // float rounding leaves no further progress to make
        if ((step & (step - 1)) == 0 || done)
        {
            std::printf("step %4d  loss %.3e  w %.5f  b %.5f\n", step, residuals(m, x, y, r), m.w, m.b);
        }
        if (done)
        {
            break;
        }
        m.w -= learning_rate * static_cast<float>(gs.dw);
        m.b -= learning_rate * static_cast<float>(gs.db);
    }

    const bool converged = std::fabs(m.w - 0.1f) < 1e-3f && std::fabs(m.b - 0.3f) < 1e-3f;
    std::printf("learned y = %.4f x + %.4f (target y = 0.1 x + 0.3): %s\n", m.w, m.b, converged ? "converged" : "NOT converged");
    return converged ? EXIT_SUCCESS : EXIT_FAILURE;
}
