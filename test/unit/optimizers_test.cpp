// The optimizer family against straightforward scalar implementations written here from the published update
// rules (torch.optim's documented algorithms, TensorFlow 1's training_ops kernels), in long double, one element
// at a time: three steps on 7 parameters (not a multiple of any SIMD width), double to 1e-12 and float to a
// stated tolerance. FTRL and Adagrad-DA are also checked against the numbers in TensorFlow's own tests.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <functional>
#include <limits>
#include <numbers>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/precast_under_test.hpp"

namespace
{
    using namespace precast;  // NOLINT(google-build-using-namespace): test brevity
    using real = long double;
    constexpr std::size_t n = 7;
    using vec = std::array<real, n>;

    constexpr vec start{1.0L, -0.5L, 0.25L, 0.0L, 3.0L, -2.0L, 0.1L};
    // Step t's gradient: signs and sizes vary per element and per step; element 3 is zero at step 2.
    vec gradient_at(int t)
    {
        const vec base{0.5L, -1.25L, 0.0625L, 2.0L, -0.03L, 0.7L, -3.0L};
        vec g{};
        for (std::size_t i = 0; i < n; ++i)
        {
            g[i] = base[i] * (1.0L + 0.3L * t) * (t % 2 == 0 ? -0.5L : 1.0L);
        }
        if (t == 2)
        {
            g[3] = 0;
        }
        return g;
    }

    real sgn(real x)
    {
        return x > 0 ? 1.0L : (x < 0 ? -1.0L : 0.0L);
    }

    // A reference: called once per step with p, g and the step number t (1, 2, 3); keeps its own state.
    using reference = std::function<void(vec& p, const vec& g, int t)>;

    template <class T, class O>
    void check_three_steps(const O& opt, reference ref, const char* label, real tolerance)
    {
        std::array<T, n> p{};
        for (std::size_t i = 0; i < n; ++i)
        {
            p[i] = static_cast<T>(start[i]);
        }
        vec expected = start;
        typename O::template state<T, n> s;
        opt.initialize(s);
        for (int t = 1; t <= 3; ++t)
        {
            const vec g = gradient_at(t);
            std::array<T, n> gt{};
            for (std::size_t i = 0; i < n; ++i)
            {
                gt[i] = static_cast<T>(g[i]);
            }
            opt.update(std::span<T, n>(p), std::span<const T, n>(gt), s, step_context{.step = static_cast<std::uint64_t>(t)});
            ref(expected, g, t);
            for (std::size_t i = 0; i < n; ++i)
            {
                const real bound = tolerance * std::max(1.0L, std::fabs(expected[i]));
                ASSERT_LE(std::fabs(static_cast<real>(p[i]) - expected[i]), bound)
                    << label << ": step " << t << ", element " << i << ": " << static_cast<double>(p[i]) << " against " << static_cast<double>(expected[i]);
            }
        }
    }

    // Double to 1e-12; float to float_tolerance (relative, or absolute below 1), each variant both ways.
    template <class O>
    void check_optimizer(const O& opt, const std::function<reference()>& make_reference, const char* label, real float_tolerance = 2e-6L,
                         real double_tolerance = 1e-12L)
    {
        check_three_steps<double>(opt, make_reference(), label, double_tolerance);
        check_three_steps<float>(opt, make_reference(), label, float_tolerance);
    }

    // ---- the references ------------------------------------------------------------------------------------------

    reference sgd(real lr, real wd)
    {
        return [=](vec& p, const vec& g, int) {
            for (std::size_t i = 0; i < n; ++i)
            {
                p[i] -= lr * (g[i] + wd * p[i]);
            }
        };
    }

    // torch.optim.SGD: buf = g on the first step, then momentum * buf + (1 - dampening) * g.
    reference sgd_momentum(real lr, real mu, real dampening, real wd, bool nesterov)
    {
        return [=, buf = vec{}](vec& p, const vec& g, int t) mutable {
            for (std::size_t i = 0; i < n; ++i)
            {
                const real d = g[i] + wd * p[i];
                buf[i] = t == 1 ? d : mu * buf[i] + (1 - dampening) * d;
                p[i] -= lr * (nesterov ? d + mu * buf[i] : buf[i]);
            }
        };
    }

    reference adagrad_reference(real lr, real initial, real eps, real lr_decay, real wd)
    {
        vec acc{};
        acc.fill(initial);
        return [=](vec& p, const vec& g, int t) mutable {
            const real clr = lr / (1 + (t - 1) * lr_decay);
            for (std::size_t i = 0; i < n; ++i)
            {
                const real d = g[i] + wd * p[i];
                acc[i] += d * d;
                p[i] -= clr * d / (std::sqrt(acc[i]) + eps);
            }
        };
    }

    reference adadelta_reference(real lr, real rho, real eps)
    {
        return [=, sq = vec{}, dsq = vec{}](vec& p, const vec& g, int) mutable {
            for (std::size_t i = 0; i < n; ++i)
            {
                sq[i] = rho * sq[i] + (1 - rho) * g[i] * g[i];
                const real delta = std::sqrt(dsq[i] + eps) / std::sqrt(sq[i] + eps) * g[i];
                dsq[i] = rho * dsq[i] + (1 - rho) * delta * delta;
                p[i] -= lr * delta;
            }
        };
    }

    reference rmsprop_reference(real lr, real rho, real eps, real mu, bool centered, real initial_ms, bool tensorflow)
    {
        vec ms{};
        ms.fill(initial_ms);
        return [=, mg = vec{}, buf = vec{}](vec& p, const vec& g, int) mutable {
            for (std::size_t i = 0; i < n; ++i)
            {
                ms[i] = rho * ms[i] + (1 - rho) * g[i] * g[i];
                mg[i] = rho * mg[i] + (1 - rho) * g[i];
                const real variance = centered ? ms[i] - mg[i] * mg[i] : ms[i];
                if (tensorflow)
                {
                    buf[i] = mu * buf[i] + lr * g[i] / std::sqrt(variance + eps);
                    p[i] -= buf[i];
                }
                else
                {
                    buf[i] = mu * buf[i] + g[i] / (std::sqrt(variance) + eps);
                    p[i] -= lr * buf[i];
                }
            }
        };
    }

    // Adam and AdamW; decoupled: p -= decay * p before the step.
    reference adam_reference(real lr, real b1, real b2, real eps, bool amsgrad, real wd, real decoupled, bool tensorflow)
    {
        return [=, m = vec{}, v = vec{}, vmax = vec{}](vec& p, const vec& g, int t) mutable {
            const real c1 = 1 - std::pow(b1, static_cast<real>(t));
            const real c2 = 1 - std::pow(b2, static_cast<real>(t));
            for (std::size_t i = 0; i < n; ++i)
            {
                const real d = g[i] + wd * p[i];
                p[i] -= decoupled * p[i];
                m[i] = b1 * m[i] + (1 - b1) * d;
                v[i] = b2 * v[i] + (1 - b2) * d * d;
                vmax[i] = std::max(vmax[i], v[i]);
                const real second = amsgrad ? vmax[i] : v[i];
                if (tensorflow)
                {
                    p[i] -= lr * std::sqrt(c2) / c1 * m[i] / (std::sqrt(second) + eps);
                }
                else
                {
                    p[i] -= lr / c1 * m[i] / (std::sqrt(second) / std::sqrt(c2) + eps);
                }
            }
        };
    }

    reference adamax_reference(real lr, real b1, real b2, real eps, bool tensorflow)
    {
        return [=, m = vec{}, u = vec{}](vec& p, const vec& g, int t) mutable {
            const real c1 = 1 - std::pow(b1, static_cast<real>(t));
            for (std::size_t i = 0; i < n; ++i)
            {
                m[i] = b1 * m[i] + (1 - b1) * g[i];
                if (tensorflow)
                {
                    u[i] = std::max(b2 * u[i], std::fabs(g[i]));
                    p[i] -= lr / c1 * m[i] / (u[i] + eps);
                }
                else
                {
                    u[i] = std::max(b2 * u[i], std::fabs(g[i]) + eps);
                    p[i] -= lr / c1 * m[i] / u[i];
                }
            }
        };
    }

    reference nadam_reference(real lr, real b1, real b2, real eps, real psi, bool tensorflow)
    {
        return [=, m = vec{}, v = vec{}, mu_product = 1.0L](vec& p, const vec& g, int t) mutable {
            const real tt = static_cast<real>(t);
            const real mu = b1 * (1 - 0.5L * std::pow(0.96L, tt * psi));
            const real mu_next = b1 * (1 - 0.5L * std::pow(0.96L, (tt + 1) * psi));
            mu_product *= mu;
            for (std::size_t i = 0; i < n; ++i)
            {
                m[i] = b1 * m[i] + (1 - b1) * g[i];
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                if (tensorflow)
                {
                    const real alpha = lr * std::sqrt(1 - std::pow(b2, tt)) / (1 - std::pow(b1, tt));
                    p[i] -= alpha * (b1 * m[i] + (1 - b1) * g[i]) / (std::sqrt(v[i]) + eps);
                }
                else
                {
                    const real denominator = std::sqrt(v[i] / (1 - std::pow(b2, tt))) + eps;
                    p[i] -= lr * (1 - mu) / (1 - mu_product) * g[i] / denominator;
                    p[i] -= lr * mu_next / (1 - mu_product * mu_next) * m[i] / denominator;
                }
            }
        };
    }

    reference ftrl_reference(real lr, real power, real initial, real l1, real l2, real shrinkage)
    {
        vec acc{};
        acc.fill(initial);
        return [=, z = vec{}](vec& p, const vec& g, int) mutable {
            for (std::size_t i = 0; i < n; ++i)
            {
                const real next = acc[i] + g[i] * g[i];
                z[i] += g[i] + 2 * shrinkage * p[i] - (std::pow(next, -power) - std::pow(acc[i], -power)) / lr * p[i];
                p[i] = std::fabs(z[i]) > l1 ? (l1 * sgn(z[i]) - z[i]) / (std::pow(next, -power) / lr + 2 * l2) : 0.0L;
                acc[i] = next;
            }
        };
    }

    reference proximal_sgd_reference(real lr, real l1, real l2)
    {
        return [=](vec& p, const vec& g, int) {
            for (std::size_t i = 0; i < n; ++i)
            {
                const real v = p[i] - lr * g[i];
                p[i] = sgn(v) * std::max(std::fabs(v) - lr * l1, 0.0L) / (1 + lr * l2);
            }
        };
    }

    reference proximal_adagrad_reference(real lr, real initial, real l1, real l2)
    {
        vec acc{};
        acc.fill(initial);
        return [=](vec& p, const vec& g, int) mutable {
            for (std::size_t i = 0; i < n; ++i)
            {
                acc[i] += g[i] * g[i];
                const real a = lr / std::sqrt(acc[i]);
                const real v = p[i] - a * g[i];
                p[i] = sgn(v) * std::max(std::fabs(v) - a * l1, 0.0L) / (1 + a * l2);
            }
        };
    }

    reference adagrad_da_reference(real lr, real initial, real l1, real l2)
    {
        vec squares{};
        squares.fill(initial);
        return [=, sums = vec{}](vec& p, const vec& g, int t) mutable {
            for (std::size_t i = 0; i < n; ++i)
            {
                sums[i] += g[i];
                squares[i] += g[i] * g[i];
                p[i] = -lr * sgn(sums[i]) * std::max(std::fabs(sums[i]) - l1 * t, 0.0L) / (l2 * t * lr + std::sqrt(squares[i]));
            }
        };
    }

    // ---- three steps against the references ----------------------------------------------------------------------

    TEST(optimizers, gradient_descent_momentum_and_nesterov_follow_their_rules)
    {
        check_optimizer(gradient_descent(0.1), [] { return sgd(0.1L, 0); }, "gradient_descent");
        check_optimizer(gradient_descent({.learning_rate = 0.05, .weight_decay = 0.01}), [] { return sgd(0.05L, 0.01L); }, "gradient_descent + weight decay");
        check_optimizer(momentum(), [] { return sgd_momentum(0.01L, 0.9L, 0, 0, false); }, "momentum");
        check_optimizer(
            momentum({.learning_rate = 0.1, .momentum = 0.8, .dampening = 0.25, .weight_decay = 0.02}),
            [] { return sgd_momentum(0.1L, 0.8L, 0.25L, 0.02L, false); }, "momentum + dampening + weight decay");
        check_optimizer(
            nesterov_momentum({.learning_rate = 0.1, .momentum = 0.9, .weight_decay = 0.01}), [] { return sgd_momentum(0.1L, 0.9L, 0, 0.01L, true); },
            "nesterov_momentum");
    }

    TEST(optimizers, adagrad_adadelta_and_rmsprop_follow_both_conventions)
    {
        check_optimizer(adagrad(), [] { return adagrad_reference(0.01L, 0, 1e-10L, 0, 0); }, "adagrad (pytorch)");
        check_optimizer(
            adagrad({.learning_rate = 0.1, .initial_accumulator = 0.0, .epsilon = 1e-10, .learning_rate_decay = 0.5, .weight_decay = 0.01}),
            [] { return adagrad_reference(0.1L, 0, 1e-10L, 0.5L, 0.01L); }, "adagrad (pytorch, decay)");
        check_optimizer(adagrad(adagrad::options::tensorflow1()), [] { return adagrad_reference(0.001L, 0.1L, 0, 0, 0); }, "adagrad (tensorflow1)");
        check_optimizer(adadelta(), [] { return adadelta_reference(1.0L, 0.9L, 1e-6L); }, "adadelta (pytorch)", 5e-6L);
        check_optimizer(adadelta(adadelta::options::tensorflow1()), [] { return adadelta_reference(0.001L, 0.95L, 1e-8L); }, "adadelta (tensorflow1)", 5e-6L);
        check_optimizer(rmsprop(), [] { return rmsprop_reference(0.01L, 0.99L, 1e-8L, 0, false, 0, false); }, "rmsprop (pytorch)");
        auto centered = rmsprop::options::pytorch();
        centered.centered = true;
        centered.momentum = 0.5;
        check_optimizer(
            rmsprop(centered), [] { return rmsprop_reference(0.01L, 0.99L, 1e-8L, 0.5L, true, 0, false); }, "rmsprop (pytorch, centered, momentum)", 2e-5L);
        check_optimizer(
            rmsprop(rmsprop::options::tensorflow1()), [] { return rmsprop_reference(0.001L, 0.9L, 1e-10L, 0, false, 1, true); }, "rmsprop (tensorflow1)");
        auto tf_centered = rmsprop::options::tensorflow1();
        tf_centered.centered = true;
        tf_centered.momentum = 0.9;
        check_optimizer(
            rmsprop(tf_centered), [] { return rmsprop_reference(0.001L, 0.9L, 1e-10L, 0.9L, true, 1, true); }, "rmsprop (tensorflow1, centered, momentum)");
        // With the default epsilons the placement of epsilon changes results by less than 1e-12; epsilon 0.5
        // tells the conventions apart.
        for (const auto convention : {convention::pytorch, convention::tensorflow1})
        {
            const bool tf = convention == convention::tensorflow1;
            check_optimizer(
                rmsprop({.learning_rate = 0.1, .rho = 0.9, .epsilon = 0.5, .momentum = 0.5, .convention = convention}),
                [=] { return rmsprop_reference(0.1L, 0.9L, 0.5L, 0.5L, false, 0, tf); }, "rmsprop (epsilon 0.5)");
        }
    }

    TEST(optimizers, the_adam_family_follows_both_conventions)
    {
        for (const bool amsgrad : {false, true})
        {
            auto pt = adam::options::pytorch();
            pt.amsgrad = amsgrad;
            pt.learning_rate = 0.1;
            check_optimizer(adam(pt), [&] { return adam_reference(0.1L, 0.9L, 0.999L, 1e-8L, amsgrad, 0, 0, false); }, "adam (pytorch)");
            auto tf = adam::options::tensorflow1();
            tf.amsgrad = amsgrad;
            tf.learning_rate = 0.1;
            check_optimizer(adam(tf), [&] { return adam_reference(0.1L, 0.9L, 0.999L, 1e-8L, amsgrad, 0, 0, true); }, "adam (tensorflow1)");
        }
        for (const auto convention : {convention::pytorch, convention::tensorflow1})
        {
            const bool tf = convention == convention::tensorflow1;
            check_optimizer(
                adam({.learning_rate = 0.1, .epsilon = 0.5, .convention = convention}),
                [=] { return adam_reference(0.1L, 0.9L, 0.999L, 0.5L, false, 0, 0, tf); }, "adam (epsilon 0.5)");
            check_optimizer(
                adamax({.learning_rate = 0.1, .epsilon = 0.5, .convention = convention}), [=] { return adamax_reference(0.1L, 0.9L, 0.999L, 0.5L, tf); },
                "adamax (epsilon 0.5)");
            check_optimizer(
                nadam({.learning_rate = 0.1, .epsilon = 0.5, .convention = convention}), [=] { return nadam_reference(0.1L, 0.9L, 0.999L, 0.5L, 0.004L, tf); },
                "nadam (epsilon 0.5)");
        }
        auto decayed = adam::options::pytorch();
        decayed.weight_decay = 0.05;
        check_optimizer(adam(decayed), [] { return adam_reference(0.001L, 0.9L, 0.999L, 1e-8L, false, 0.05L, 0, false); }, "adam (coupled weight decay)");
        check_optimizer(adamw(), [] { return adam_reference(0.001L, 0.9L, 0.999L, 1e-8L, false, 0, 0.001L * 0.01L, false); }, "adamw (pytorch)");
        check_optimizer(
            adamw(adamw::options::tensorflow1()), [] { return adam_reference(0.001L, 0.9L, 0.999L, 1e-8L, false, 0, 1e-5L, true); }, "adamw (tensorflow1)");
        check_optimizer(adamax(), [] { return adamax_reference(0.002L, 0.9L, 0.999L, 1e-8L, false); }, "adamax (pytorch)");
        check_optimizer(adamax(adamax::options::tensorflow1()), [] { return adamax_reference(0.001L, 0.9L, 0.999L, 1e-8L, true); }, "adamax (tensorflow1)");
        check_optimizer(nadam(), [] { return nadam_reference(0.002L, 0.9L, 0.999L, 1e-8L, 0.004L, false); }, "nadam (pytorch)");
        check_optimizer(nadam(nadam::options::tensorflow1()), [] { return nadam_reference(0.001L, 0.9L, 0.999L, 1e-8L, 0.004L, true); }, "nadam (tensorflow1)");
    }

    TEST(optimizers, ftrl_and_the_proximal_optimizers_follow_tensorflow)
    {
        check_optimizer(ftrl(), [] { return ftrl_reference(0.1L, -0.5L, 0.1L, 0, 0, 0); }, "ftrl");
        check_optimizer(
            ftrl({.learning_rate = 0.5, .learning_rate_power = -0.5, .initial_accumulator = 0.2, .l1 = 0.05, .l2 = 0.3, .l2_shrinkage = 0.1}),
            [] { return ftrl_reference(0.5L, -0.5L, 0.2L, 0.05L, 0.3L, 0.1L); }, "ftrl (l1, l2, shrinkage)");
        // A power other than -1/2 goes through xsimd's pow, which is not correctly rounded: 1e-10 in double.
        check_optimizer(
            ftrl({.learning_rate = 0.5, .learning_rate_power = -0.7, .initial_accumulator = 0.2, .l1 = 0.05, .l2 = 0.3, .l2_shrinkage = 0.0}),
            [] { return ftrl_reference(0.5L, -0.7L, 0.2L, 0.05L, 0.3L, 0); }, "ftrl (power -0.7)", 2e-6L, 1e-10L);
        check_optimizer(
            proximal_gradient_descent({.learning_rate = 0.1, .l1 = 0.5, .l2 = 0.2}), [] { return proximal_sgd_reference(0.1L, 0.5L, 0.2L); },
            "proximal_gradient_descent");
        check_optimizer(
            proximal_adagrad({.learning_rate = 0.1, .initial_accumulator = 0.1, .l1 = 0.5, .l2 = 0.2}),
            [] { return proximal_adagrad_reference(0.1L, 0.1L, 0.5L, 0.2L); }, "proximal_adagrad");
        check_optimizer(
            adagrad_da({.learning_rate = 0.5, .initial_squared_accumulator = 0.1, .l1 = 0.01, .l2 = 0.2}),
            [] { return adagrad_da_reference(0.5L, 0.1L, 0.01L, 0.2L); }, "adagrad_da");
    }

    // TensorFlow's ftrl_test.py (testFtrlwithoutRegularization) and adagrad_da_test.py (testAdagradDAWithoutRegularizationBasic1,
    // testAdagradDAWithL1): parameters starting at 0 (FTRL) or anywhere (Adagrad-DA), gradients 0.1, 0.2 and
    // 0.01, 0.02, learning rate 3, initial accumulator 0.1; TensorFlow's float results.
    TEST(optimizers, ftrl_and_adagrad_da_reproduce_tensorflow_test_values)
    {
        const ftrl f({.learning_rate = 3.0, .learning_rate_power = -0.5, .initial_accumulator = 0.1, .l1 = 0, .l2 = 0, .l2_shrinkage = 0});
        auto run = [](const auto& opt, std::array<float, 2> p, std::array<float, 2> g, int steps) {
            typename std::remove_cvref_t<decltype(opt)>::template state<float, 2> s;
            opt.initialize(s);
            for (int t = 1; t <= steps; ++t)
            {
                opt.update(std::span<float, 2>(p), std::span<const float, 2>(g), s, step_context{.step = static_cast<std::uint64_t>(t)});
            }
            return p;
        };
        const auto v0 = run(f, {0, 0}, {0.1f, 0.2f}, 3);
        const auto v1 = run(f, {0, 0}, {0.01f, 0.02f}, 3);
        EXPECT_NEAR(v0[0], -2.60260963f, 1e-6f);
        EXPECT_NEAR(v0[1], -4.29698515f, 1e-6f);
        EXPECT_NEAR(v1[0], -0.28432083f, 1e-6f);
        EXPECT_NEAR(v1[1], -0.56694895f, 1e-6f);

        const adagrad_da da({.learning_rate = 3.0, .initial_squared_accumulator = 0.1, .l1 = 0, .l2 = 0});
        const auto d0 = run(da, {1, 2}, {0.1f, 0.2f}, 1);
        const auto d1 = run(da, {4, 3}, {0.01f, 0.02f}, 1);
        EXPECT_NEAR(d0[0], -0.904534f, 1e-6f);
        EXPECT_NEAR(d0[1], -1.603567f, 1e-6f);
        EXPECT_NEAR(d1[0], -0.094821f, 1e-6f);
        EXPECT_NEAR(d1[1], -0.189358f, 1e-6f);
        const adagrad_da da_l1({.learning_rate = 3.0, .initial_squared_accumulator = 0.1, .l1 = 0.001, .l2 = 0});
        const auto l0 = run(da_l1, {1, 2}, {0.1f, 0.2f}, 1);
        EXPECT_NEAR(l0[0], -0.895489f, 1e-6f);
        EXPECT_NEAR(l0[1], -1.59555f, 1e-5f);
    }

    // ---- hyper-parameters ------------------------------------------------------------------------------------------

    // g++ 12 with AVX-512 built these options, {0.1, 0.1, 0, 0} passed by value, as {0.1, 0.1, 0.1, 0.1}; precast's
    // CMake target turns the culprit (-ftree-slp-vectorize) off for g++ < 13. This fails if that flag is lost.
    [[gnu::noinline]] proximal_adagrad::options settings_passed_by_value(proximal_adagrad opt)
    {
        return opt.settings();
    }

    TEST(optimizers, options_built_from_constants_keep_their_values)
    {
        const auto s = settings_passed_by_value(proximal_adagrad({.learning_rate = 0.1}));
        EXPECT_EQ(s.learning_rate, 0.1);
        EXPECT_EQ(s.initial_accumulator, 0.1);
        EXPECT_EQ(s.l1, 0.0);
        EXPECT_EQ(s.l2, 0.0);
    }

    template <class F>
    std::string message_of(F&& f)
    {
        try
        {
            f();
        }
        catch (const std::invalid_argument& e)
        {
            return e.what();
        }
        return "(no exception)";
    }

    TEST(optimizers, reject_bad_hyper_parameters_with_a_message_naming_them)
    {
        EXPECT_EQ(message_of([] { gradient_descent(-0.1); }), "precast::gradient_descent: the learning rate must be positive and finite, not -0.1");
        EXPECT_EQ(message_of([] { momentum({.learning_rate = 0.1, .momentum = 1.0}); }), "precast::momentum: momentum must be in [0, 1), not 1");
        auto beta = adam::options::pytorch();
        beta.beta2 = 1.5;
        EXPECT_EQ(message_of([&] { adam{beta}; }), "precast::adam: beta2 must be in [0, 1), not 1.5");
        auto eps = adam::options::pytorch();
        eps.epsilon = 0;
        EXPECT_EQ(message_of([&] { adam{eps}; }), "precast::adam: epsilon must be positive and finite, not 0");
        EXPECT_EQ(message_of([] { adagrad({.learning_rate = 0.1, .initial_accumulator = 0, .epsilon = 0}); }),
                  "precast::adagrad: epsilon (with initial_accumulator 0, a zero gradient would divide 0 by 0) must be positive, not 0");
        EXPECT_EQ(message_of([] { ftrl({.learning_rate = 0.1, .learning_rate_power = 0.5}); }),
                  "precast::ftrl: learning_rate_power must be zero or negative, not 0.5");
        EXPECT_EQ(message_of([] { proximal_gradient_descent({.learning_rate = 0.1, .l1 = -1}); }),
                  "precast::proximal_gradient_descent: l1 must be zero or positive and finite, not -1");
        EXPECT_EQ(message_of([] { rmsprop({.learning_rate = std::numeric_limits<double>::quiet_NaN()}); }),
                  "precast::rmsprop: the learning rate must be positive and finite, not nan");
        // Numbers keep their precision: a tiny negative rate is not "-0.000000".
        EXPECT_EQ(message_of([] { gradient_descent(-1e-9); }), "precast::gradient_descent: the learning rate must be positive and finite, not -1e-09");
        EXPECT_EQ(message_of([] { precast::network<precast::input<1>, precast::dense<1>> net(precast::normal{0.0, -2.5e-7}); }),
                  "precast::normal: stddev must be positive, not -2.5e-07");
        EXPECT_EQ(message_of([] { cosine_decay(0); }), "precast::cosine_decay: the decay steps must be at least 1");
        EXPECT_EQ(message_of([] { step_decay(10, 1.5); }), "precast::step_decay: gamma must be in (0, 1], not 1.5");
        EXPECT_EQ(message_of([] { clip_by_global_norm<adam>(adam(), 0.0); }), "precast::clip_by_global_norm: the limit must be positive, not 0");
    }

    // any_optimizer runs the chosen optimizer: the same steps as the type itself, through the network.
    TEST(any_optimizer, runs_the_optimizer_it_was_given_or_named)
    {
        EXPECT_EQ(std::string(any_optimizer::named("rmsprop", 0.01).chosen_name()), "rmsprop");
        EXPECT_EQ(message_of([] { (void)any_optimizer::named("sgd", 0.1); }),
                  "precast::any_optimizer: no optimizer is named \"sgd\"; the names are gradient_descent, momentum, nesterov_momentum, adagrad, adadelta, "
                  "rmsprop, adam, adamw, adamax, nadam, ftrl, proximal_gradient_descent, proximal_adagrad, adagrad_da");
        EXPECT_EQ(message_of([] { (void)any_optimizer::named("adam", -1.0); }), "precast::adam: the learning rate must be positive and finite, not -1");
    }

    // ---- schedules, clipping, the network's state ------------------------------------------------------------------

    TEST(schedules, give_the_documented_factors)
    {
        const step_decay step(3, 0.5);
        EXPECT_EQ(step.factor(0), 1.0);
        EXPECT_EQ(step.factor(2), 1.0);
        EXPECT_EQ(step.factor(3), 0.5);
        EXPECT_EQ(step.factor(7), 0.25);
        const exponential_decay smooth(0.5, 4);
        EXPECT_DOUBLE_EQ(smooth.factor(2), std::sqrt(0.5));
        const exponential_decay stairs(0.5, 4, true);
        EXPECT_EQ(stairs.factor(3), 1.0);
        EXPECT_EQ(stairs.factor(4), 0.5);
        const cosine_decay cosine(10, 0.1);
        EXPECT_DOUBLE_EQ(cosine.factor(0), 1.0);
        EXPECT_DOUBLE_EQ(cosine.factor(5), 0.9 * 0.5 + 0.1);
        EXPECT_DOUBLE_EQ(cosine.factor(10), 0.1);
        EXPECT_DOUBLE_EQ(cosine.factor(50), 0.1);
        const linear_warmup<cosine_decay> warm(4, cosine_decay(10));
        EXPECT_DOUBLE_EQ(warm.factor(0), 0.25);
        EXPECT_DOUBLE_EQ(warm.factor(3), 1.0);
        EXPECT_DOUBLE_EQ(warm.factor(4), 1.0);
        EXPECT_DOUBLE_EQ(warm.factor(9), 0.5);
    }

    // A one-layer network y = W x (no bias) whose gradients are set by hand: the network's apply() must run the
    // optimizer with its step count, schedule and clipping.
    using tiny_net = network<input<7, double>, dense<1, no_bias>>;

    void set_gradients(tiny_net& net, const vec& g)
    {
        for (std::size_t i = 0; i < n; ++i)
        {
            net.at<0>().gradients()[i] = static_cast<double>(g[i]);
        }
    }
    void set_parameters(tiny_net& net)
    {
        for (std::size_t i = 0; i < n; ++i)
        {
            net.at<0>().parameters()[i] = static_cast<double>(start[i]);
        }
    }

    template <class O>
    void check_network_steps(const O& opt, reference ref, const std::function<vec(const vec&)>& transform_gradient, const char* label)
    {
        tiny_net net;
        set_parameters(net);
        typename tiny_net::template optimizer_state<O> state;
        vec expected = start;
        for (int t = 1; t <= 3; ++t)
        {
            const vec g = gradient_at(t);
            set_gradients(net, g);
            net.apply(opt, state);
            EXPECT_EQ(state.steps(), static_cast<std::uint64_t>(t));
            ref(expected, transform_gradient(g), t);
            for (std::size_t i = 0; i < n; ++i)
            {
                ASSERT_LE(std::fabs(static_cast<real>(net.at<0>().parameters()[i]) - expected[i]), 1e-12L * std::max(1.0L, std::fabs(expected[i])))
                    << label << ": step " << t << ", element " << i;
            }
        }
    }

    TEST(network_optimizer_state, counts_steps_and_restarts_after_reset)
    {
        const adam opt;
        tiny_net net;
        set_parameters(net);
        tiny_net::optimizer_state<adam> state;
        set_gradients(net, gradient_at(1));
        net.apply(opt, state);
        net.apply(opt, state);
        EXPECT_EQ(state.steps(), 2U);
        EXPECT_NE(state.values().first_moment[0], 0.0);  // the first parameter of the arena: layer 0's first
        // After reset the next update is a first step again: from the same parameters and gradient it moves
        // them by the same amount as the very first step did (Adam's first step is lr * sign(g) elementwise).
        state.reset();
        set_parameters(net);
        net.apply(opt, state);
        EXPECT_EQ(state.steps(), 1U);
        for (std::size_t i = 0; i < n; ++i)
        {
            const double g = static_cast<double>(gradient_at(1)[i]);
            EXPECT_NEAR(net.at<0>().parameters()[i], static_cast<double>(start[i]) - (g == 0 ? 0.0 : 0.001 * (g > 0 ? 1 : -1)), 1e-9) << i;
        }
    }

    TEST(network_optimizer_state, any_optimizer_steps_like_the_type_it_holds)
    {
        check_network_steps(
            any_optimizer::named("adam", 0.1), adam_reference(0.1L, 0.9L, 0.999L, 1e-8L, false, 0, 0, false), [](const vec& g) { return g; },
            "any_optimizer named adam");
        check_network_steps(
            any_optimizer(rmsprop(rmsprop::options::tensorflow1())), rmsprop_reference(0.001L, 0.9L, 1e-10L, 0, false, 1, true), [](const vec& g) { return g; },
            "any_optimizer(rmsprop tensorflow1)");
        check_network_steps(
            any_optimizer(proximal_gradient_descent({.learning_rate = 0.1, .l1 = 0.5, .l2 = 0.2})), proximal_sgd_reference(0.1L, 0.5L, 0.2L),
            [](const vec& g) { return g; }, "any_optimizer(proximal_gradient_descent)");
    }

    TEST(network_optimizer_state, schedules_scale_the_learning_rate_per_step)
    {
        // Gradient descent with a step decay halving every 2 updates: learning rates 0.1, 0.1, 0.05.
        const scheduled<gradient_descent, step_decay> opt(gradient_descent(0.1), step_decay(2, 0.5));
        const real rates[] = {0.1L, 0.1L, 0.05L};
        check_network_steps(
            opt,
            [&](vec& p, const vec& g, int t) {
                for (std::size_t i = 0; i < n; ++i)
                {
                    p[i] -= rates[t - 1] * g[i];
                }
            },
            [](const vec& g) { return g; }, "scheduled gradient descent");
        // Adam under a warm-up: the schedule scales the learning rate, the moments are untouched.
        const scheduled<adam, linear_warmup<>> warm(adam(0.1), linear_warmup<>(4));
        auto adam_ref = adam_reference(0.1L, 0.9L, 0.999L, 1e-8L, false, 0, 0, false);
        vec unscaled = start;
        check_network_steps(
            warm,
            [&](vec& p, const vec& g, int t) {
                // p moves by (warm-up factor) x (Adam's step at full rate).
                vec before = unscaled;
                adam_ref(unscaled, g, t);
                for (std::size_t i = 0; i < n; ++i)
                {
                    p[i] += (unscaled[i] - before[i]) * static_cast<real>(t) / 4;
                }
            },
            [](const vec& g) { return g; }, "adam with warm-up");
    }

    TEST(network_optimizer_state, clipping_by_value_and_by_global_norm_limits_the_gradient)
    {
        const clip_by_value<gradient_descent> by_value(gradient_descent(0.1), 1.0);
        check_network_steps(
            by_value, sgd(0.1L, 0),
            [](const vec& g) {
                vec c{};
                for (std::size_t i = 0; i < n; ++i)
                {
                    c[i] = std::clamp(g[i], -1.0L, 1.0L);
                }
                return c;
            },
            "clip_by_value");
        const clip_by_global_norm<gradient_descent> by_norm(gradient_descent(0.1), 2.0);
        check_network_steps(
            by_norm, sgd(0.1L, 0),
            [](const vec& g) {
                real sum = 0;
                for (const real v : g)
                {
                    sum += v * v;
                }
                const real norm = std::sqrt(sum);
                vec c = g;
                for (real& v : c)
                {
                    v *= 2.0L / std::max(norm, 2.0L);
                }
                return c;
            },
            "clip_by_global_norm");
        // A NaN gradient is not hidden by clipping: it reaches the parameter.
        tiny_net net;
        set_parameters(net);
        tiny_net::optimizer_state<clip_by_value<gradient_descent>> state;
        vec g = gradient_at(1);
        g[2] = std::numeric_limits<real>::quiet_NaN();
        set_gradients(net, g);
        net.apply(by_value, state);
        EXPECT_TRUE(std::isnan(net.at<0>().parameters()[2]));
        EXPECT_FALSE(std::isnan(net.at<0>().parameters()[1]));
    }
}

namespace
{
    using namespace precast;  // NOLINT(google-build-using-namespace): test brevity

    // Runs `steps` updates of optimizer opt on N doubles from x0 with gradient(x); returns x.
    template <std::size_t N, class O, class Gradient>
    std::array<double, N> descend(const O& opt, std::array<double, N> x, Gradient&& gradient, std::size_t steps)
    {
        typename O::template state<double, N> s;
        opt.initialize(s);
        for (std::size_t t = 1; t <= steps; ++t)
        {
            const std::array<double, N> g = gradient(x);
            opt.update(std::span<double, N>(x), std::span<const double, N>(g), s, step_context{.step = t});
        }
        return x;
    }

    // f(x) = 1/2 sum a_i (x_i - c_i)^2: condition number 16, minimum at c.
    constexpr std::array<double, 7> curvature{1, 2, 0.5, 4, 1, 3, 0.25};
    constexpr std::array<double, 7> minimum{1, -2, 0.5, 3, -1, 0, 2};
    std::array<double, 7> quadratic_gradient(const std::array<double, 7>& x)
    {
        std::array<double, 7> g{};
        for (std::size_t i = 0; i < 7; ++i)
        {
            g[i] = curvature[i] * (x[i] - minimum[i]);
        }
        return g;
    }

    template <class O>
    void check_quadratic(const O& opt, const char* label, std::size_t steps = 3000, double tolerance = 1e-3)
    {
        const auto x = descend<7>(opt, std::array<double, 7>{}, quadratic_gradient, steps);
        for (std::size_t i = 0; i < 7; ++i)
        {
            EXPECT_NEAR(x[i], minimum[i], tolerance) << label << ", coordinate " << i << " after " << steps << " steps";
        }
    }

    // Each optimizer with the hyper-parameters listed here reaches the minimum of the quadratic to 1e-3 (the
    // adaptive methods with a constant rate end in a small orbit around it: the listed rates keep it inside).
    TEST(optimizer_convergence, every_optimizer_reaches_the_minimum_of_a_convex_quadratic)
    {
        check_quadratic(gradient_descent(0.2), "gradient_descent lr 0.2");
        check_quadratic(momentum({.learning_rate = 0.05, .momentum = 0.9}), "momentum lr 0.05, 0.9");
        check_quadratic(nesterov_momentum({.learning_rate = 0.05, .momentum = 0.9}), "nesterov_momentum lr 0.05, 0.9");
        check_quadratic(adagrad({.learning_rate = 1.0}), "adagrad lr 1");
        check_quadratic(adagrad({.learning_rate = 1.0, .initial_accumulator = 0.1, .epsilon = 0}), "adagrad (tensorflow1 rule) lr 1");
        check_quadratic(adadelta({.learning_rate = 1.0, .rho = 0.9, .epsilon = 1e-2}), "adadelta lr 1, rho 0.9, epsilon 1e-2");
        check_quadratic(rmsprop({.learning_rate = 0.001}), "rmsprop lr 0.001", 10000);
        check_quadratic(rmsprop({.learning_rate = 0.001, .rho = 0.9, .epsilon = 1e-10, .initial_mean_square = 1, .convention = convention::tensorflow1}),
                        "rmsprop (tensorflow1) lr 0.001", 10000);
        check_quadratic(adam({.learning_rate = 0.01}), "adam lr 0.01");
        check_quadratic(adam({.learning_rate = 0.01, .amsgrad = true}), "adam amsgrad lr 0.01");
        check_quadratic(adamw({.learning_rate = 0.01, .weight_decay = 0.0}), "adamw lr 0.01 (no decay: decay moves the minimum)");
        check_quadratic(adamax({.learning_rate = 0.01}), "adamax lr 0.01");
        check_quadratic(nadam({.learning_rate = 0.01}), "nadam lr 0.01");
        check_quadratic(ftrl({.learning_rate = 1.0}), "ftrl lr 1");
        check_quadratic(proximal_gradient_descent({.learning_rate = 0.2}), "proximal_gradient_descent lr 0.2");
        check_quadratic(proximal_adagrad({.learning_rate = 1.0}), "proximal_adagrad lr 1");
        check_quadratic(adagrad_da({.learning_rate = 1.0}), "adagrad_da lr 1", 20000, 1e-2);
    }

    // Rosenbrock's valley, f = (1 - x)^2 + 100 (y - x^2)^2 from (-1.5, 2) where f = 12.5: the adaptive methods
    // get the value below 1/10 of that in 5000 steps (Adadelta, the slowest of them here, ends at 0.51).
    TEST(optimizer_convergence, the_adaptive_optimizers_make_progress_on_rosenbrock)
    {
        auto rosenbrock = [](const std::array<double, 2>& p) { return (1 - p[0]) * (1 - p[0]) + 100 * (p[1] - p[0] * p[0]) * (p[1] - p[0] * p[0]); };
        auto gradient = [](const std::array<double, 2>& p) {
            return std::array<double, 2>{-2 * (1 - p[0]) - 400 * p[0] * (p[1] - p[0] * p[0]), 200 * (p[1] - p[0] * p[0])};
        };
        auto check = [&](const auto& opt, const char* label) {
            const auto p = descend<2>(opt, {-1.5, 2.0}, gradient, 5000);
            EXPECT_LT(rosenbrock(p), 1.25) << label << " ends at (" << p[0] << ", " << p[1] << ")";
        };
        check(adagrad({.learning_rate = 0.5}), "adagrad lr 0.5");
        check(adadelta(), "adadelta (PyTorch defaults: lr 1, rho 0.9, epsilon 1e-6)");
        check(rmsprop({.learning_rate = 0.01}), "rmsprop lr 0.01");
        check(adam({.learning_rate = 0.05}), "adam lr 0.05");
        check(adamw({.learning_rate = 0.05, .weight_decay = 0.0}), "adamw lr 0.05");
        check(adamax({.learning_rate = 0.05}), "adamax lr 0.05");
        check(nadam({.learning_rate = 0.05}), "nadam lr 0.05");
        check(ftrl({.learning_rate = 0.5}), "ftrl lr 0.5");
        check(proximal_adagrad({.learning_rate = 0.5}), "proximal_adagrad lr 0.5");
        check(adagrad_da({.learning_rate = 0.5}), "adagrad_da lr 0.5");
    }
}
