// Gradient checking: analytic backprop against central finite differences.
//
// For a layer, the checker builds the scalar J = sum_ij y_ij r_ij with a fixed random r (so dJ/dy = r), runs the
// layer's backward with dy = r, and compares each analytic derivative a = dJ/dtheta (every parameter and every
// input element) with the numeric one, n = (J(theta + h) - J(theta - h)) / 2h. For a loss, J is the loss value;
// for a network, J is the loss of the network's output.
//
// Error of one element:  e = |a - n| / max(|a|, |n|, floor)
//   The difference quotient carries rounding noise of about eps_T S / h, S being the magnitude of J's terms
//   (sum |y_ij r_ij| for a layer, |J| for a loss or network). Relative to a gradient smaller than that noise
//   divided by the tolerance, no check is meaningful, so such gradients are judged absolutely:
//   floor = max(min_floor, 8 eps_T S / (h tolerance)): a difference within 8x the noise always passes.
// Defaults per element type T:    step h    tolerance    min_floor
//                          double  1e-6      1e-6         1e-7
//                          float   1e-3      1e-2         1e-3
// Every evaluation runs on a fresh copy of the subject, so stateful layers (dropout's mask) see the same state.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <memory>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include <precast/concepts.hpp>
#include <precast/core/matrix_view.hpp>
#include <precast/core/random.hpp>

namespace precast
{
    struct gradcheck_options
    {
        double step = 0.0;                         // h; 0 = the default for the element type
        double tolerance = 0.0;                    // largest passing e; 0 = the default for the element type
        double min_floor = 0.0;                    // 0 = the default for the element type
        std::size_t max_elements_per_tensor = 0;   // 0 = check every element; else a seeded sample of this many
        std::uint64_t seed = 1;                    // for generated inputs, r and the sample
        mode forward_mode = mode::training;        // mode of the forward passes of a layer or network check
    };

    struct gradcheck_tensor_result
    {
        std::string name;
        std::size_t total = 0;      // elements in the tensor
        std::size_t checked = 0;    // elements compared (all, or the sample)
        double max_error = 0.0;
        std::size_t worst_index = 0;
        double analytic_at_worst = 0.0;
        double numeric_at_worst = 0.0;
    };

    struct gradcheck_result
    {
        std::string subject;
        std::vector<gradcheck_tensor_result> tensors;
        double tolerance = 0.0;
        double step = 0.0;
        double floor = 0.0;

        [[nodiscard]] std::size_t elements_checked() const noexcept
        {
            std::size_t n = 0;
            for (const auto& t : tensors)
            {
                n += t.checked;
            }
            return n;
        }
        [[nodiscard]] const gradcheck_tensor_result* worst() const noexcept
        {
            const gradcheck_tensor_result* w = nullptr;
            for (const auto& t : tensors)
            {
                if (w == nullptr || t.max_error > w->max_error || std::isnan(t.max_error))
                {
                    w = &t;
                }
            }
            return w;
        }
        [[nodiscard]] double max_error() const noexcept { return worst() ? worst()->max_error : 0.0; }
        [[nodiscard]] bool passed() const noexcept
        {
            const double e = max_error();
            return !std::isnan(e) && e <= tolerance && elements_checked() > 0;
        }
        // One line: subject, verdict, max error, where, how many elements.
        [[nodiscard]] std::string summary() const
        {
            const auto* w = worst();
            char line[512];
            std::snprintf(line, sizeof line, "%s: %s  max rel. error %.2e (tolerance %.0e) at %s[%zu] (analytic %.6g, numeric %.6g); %zu elements checked",
                          subject.c_str(), passed() ? "PASS" : "FAIL", max_error(), tolerance, w ? w->name.c_str() : "-",
                          w ? w->worst_index : std::size_t{0}, w ? w->analytic_at_worst : 0.0, w ? w->numeric_at_worst : 0.0, elements_checked());
            return line;
        }
    };

    namespace detail
    {
        template <scalar T>
        struct gradcheck_defaults;
        template <>
        struct gradcheck_defaults<double>
        {
            static constexpr double step = 1e-6, tolerance = 1e-6, min_floor = 1e-7;
        };
        template <>
        struct gradcheck_defaults<float>
        {
            static constexpr double step = 1e-3, tolerance = 1e-2, min_floor = 1e-3;
        };

        template <scalar T>
        gradcheck_options resolve_options(gradcheck_options o) noexcept
        {
            o.step = o.step > 0 ? o.step : gradcheck_defaults<T>::step;
            o.tolerance = o.tolerance > 0 ? o.tolerance : gradcheck_defaults<T>::tolerance;
            o.min_floor = o.min_floor > 0 ? o.min_floor : gradcheck_defaults<T>::min_floor;
            return o;
        }

        // Indices to check in a tensor of n elements: all, or a seeded sample without repeats, in order.
        inline std::vector<std::size_t> indices_to_check(std::size_t n, std::size_t max_count, random_engine& rng)
        {
            std::vector<std::size_t> all(n);
            std::iota(all.begin(), all.end(), std::size_t{0});
            if (max_count == 0 || max_count >= n)
            {
                return all;
            }
            for (std::size_t i = 0; i < max_count; ++i)
            {
                std::swap(all[i], all[i + rng.below(n - i)]);
            }
            all.resize(max_count);
            std::sort(all.begin(), all.end());
            return all;
        }

        template <scalar T>
        double noise_floor(const gradcheck_options& o, double magnitude) noexcept
        {
            return std::max(o.min_floor, 8.0 * std::numeric_limits<T>::epsilon() * magnitude / (o.step * o.tolerance));
        }

        // Compares an analytic gradient with central differences of objective(), perturbing values[i] in place.
        // objective() must read values; it returns J.
        template <scalar T, class Objective>
        gradcheck_tensor_result compare(std::string name, std::span<T> values, std::span<const T> analytic, Objective&& objective,
                                        const gradcheck_options& o, double floor, random_engine& rng)
        {
            gradcheck_tensor_result r;
            r.name = std::move(name);
            r.total = values.size();
            for (std::size_t i : indices_to_check(values.size(), o.max_elements_per_tensor, rng))
            {
                const T saved = values[i];
                // The step actually taken, after rounding theta +- h to T, so that rounding does not skew n.
                const T plus = static_cast<T>(static_cast<double>(saved) + o.step);
                const T minus = static_cast<T>(static_cast<double>(saved) - o.step);
                values[i] = plus;
                const double j_plus = objective();
                values[i] = minus;
                const double j_minus = objective();
                values[i] = saved;
                const double numeric = (j_plus - j_minus) / (static_cast<double>(plus) - static_cast<double>(minus));
                const double a = static_cast<double>(analytic[i]);
                const double error = std::fabs(a - numeric) / std::max({std::fabs(a), std::fabs(numeric), floor});
                ++r.checked;
                if (error > r.max_error || std::isnan(error))
                {
                    r.max_error = std::isnan(error) ? std::numeric_limits<double>::quiet_NaN() : error;
                    r.worst_index = i;
                    r.analytic_at_worst = a;
                    r.numeric_at_worst = numeric;
                }
            }
            return r;
        }

        template <scalar T>
        void fill_uniform(std::span<T> values, random_engine& rng, double lo, double hi)
        {
            for (T& v : values)
            {
                v = static_cast<T>(rng.uniform(lo, hi));
            }
        }

        // Values in +-[0.1, 1]: away from 0, where relu, leaky_relu and elu have their kink.
        template <scalar T>
        void fill_away_from_zero(std::span<T> values, random_engine& rng)
        {
            for (T& v : values)
            {
                const double magnitude = rng.uniform(0.1, 1.0);
                v = static_cast<T>(rng.uniform() < 0.5 ? -magnitude : magnitude);
            }
        }

        template <class L>
        std::string layer_name()
        {
            if constexpr (requires { L::name; })
            {
                return L::name;
            }
            return "layer";
        }
    }

    // Checks one layer's backward (parameters and input) at the batch x.
    template <layer L, std::size_t B>
    gradcheck_result check_layer(const L& subject, matrix_view<const typename L::value_type, B, L::input_size> x_in, gradcheck_options options = {})
    {
        using T = typename L::value_type;
        constexpr std::size_t In = L::input_size;
        constexpr std::size_t Out = L::output_size;
        const gradcheck_options o = detail::resolve_options<T>(options);
        random_engine rng(o.seed);

        std::vector<T> x(x_in.data(), x_in.data() + B * In);
        std::vector<T> r(B * Out);
        detail::fill_uniform(std::span<T>(r), rng, -1.0, 1.0);
        std::vector<T> y(B * Out);

        // Analytic: forward + backward with dy = r on a copy.
        L analytic_layer = subject;
        typename L::template workspace<B> ws{};
        analytic_layer.forward(matrix_view<const T, B, In>(x.data()), matrix_view<T, B, Out>(y.data()), ws, o.forward_mode);
        double magnitude = 0.0;
        for (std::size_t i = 0; i < B * Out; ++i)
        {
            magnitude += std::fabs(static_cast<double>(y[i]) * static_cast<double>(r[i]));
        }
        std::vector<T> dx(B * In);
        analytic_layer.backward(matrix_view<const T, B, In>(x.data()), matrix_view<const T, B, Out>(y.data()),
                                matrix_view<const T, B, Out>(r.data()), matrix_view<T, B, In>(dx.data()), ws);

        L probe = subject;  // parameters are perturbed here; every evaluation starts from a copy of it
        auto objective = [&] {
            L fresh = probe;
            typename L::template workspace<B> fresh_ws{};
            std::vector<T> out(B * Out);
            fresh.forward(matrix_view<const T, B, In>(x.data()), matrix_view<T, B, Out>(out.data()), fresh_ws, o.forward_mode);
            double j = 0.0;
            for (std::size_t i = 0; i < B * Out; ++i)
            {
                j += static_cast<double>(out[i]) * static_cast<double>(r[i]);
            }
            return j;
        };

        gradcheck_result result;
        result.subject = detail::layer_name<L>() + " " + std::to_string(In) + "->" + std::to_string(Out) + " B=" + std::to_string(B) +
                         (std::is_same_v<T, double> ? " double" : " float");
        result.tolerance = o.tolerance;
        result.step = o.step;
        result.floor = detail::noise_floor<T>(o, magnitude);
        result.tensors.push_back(detail::compare<T>("input", std::span<T>(x), std::span<const T>(dx), objective, o, result.floor, rng));
        if constexpr (trainable_layer<L>)
        {
            const auto& analytic = analytic_layer.gradients();
            for (const parameter_tensor& t : L::parameter_tensors)
            {
                const std::size_t count = t.rows * t.cols;
                result.tensors.push_back(detail::compare<T>(t.name, std::span<T>(probe.parameters().data() + t.offset, count),
                                                            std::span<const T>(analytic.data() + t.offset, count), objective, o,
                                                            result.floor, rng));
            }
        }
        return result;
    }

    // Same, at a batch drawn from the seed with values in +-[0.1, 1] (clear of activation kinks at 0).
    template <layer L, std::size_t B>
    gradcheck_result check_layer(const L& subject, gradcheck_options options = {})
    {
        using T = typename L::value_type;
        random_engine rng(options.seed ^ 0xA5A5A5A5ULL);
        std::vector<T> x(B * L::input_size);
        detail::fill_away_from_zero(std::span<T>(x), rng);
        return check_layer<L, B>(subject, matrix_view<const T, B, L::input_size>(x.data()), options);
    }

    // Checks a loss's gradient with respect to its input y at (y, targets).
    template <loss Loss, scalar T, std::size_t B, std::size_t N>
    gradcheck_result check_loss(const Loss& subject, matrix_view<const T, B, N> y_in, target_batch<Loss::targets, T, B, N> targets,
                                gradcheck_options options = {}, std::size_t rows = B)
    {
        const gradcheck_options o = detail::resolve_options<T>(options);
        random_engine rng(o.seed);
        std::vector<T> y(y_in.data(), y_in.data() + B * N);
        std::vector<T> dy(B * N);
        subject.gradient(matrix_view<const T, B, N>(y.data()), targets, matrix_view<T, B, N>(dy.data()), rows);
        auto objective = [&] { return static_cast<double>(subject.value(matrix_view<const T, B, N>(y.data()), targets, rows)); };

        gradcheck_result result;
        result.subject = std::string(Loss::name) + " N=" + std::to_string(N) + " B=" + std::to_string(B) +
                         (rows != B ? " rows=" + std::to_string(rows) : "") + (std::is_same_v<T, double> ? " double" : " float");
        result.tolerance = o.tolerance;
        result.step = o.step;
        result.floor = detail::noise_floor<T>(o, std::fabs(objective()));
        result.tensors.push_back(detail::compare<T>("prediction", std::span<T>(y), std::span<const T>(dy), objective, o, result.floor, rng));
        return result;
    }

    // Checks a whole network + loss: the input gradient and every trainable layer's parameter gradients.
    template <class Net, loss Loss, std::size_t B>
    gradcheck_result check_network(const Net& subject, const Loss& loss_function, matrix_view<const typename Net::value_type, B, Net::input_size> x_in,
                                   target_batch<Loss::targets, typename Net::value_type, B, Net::output_size> targets, gradcheck_options options = {})
    {
        using T = typename Net::value_type;
        const gradcheck_options o = detail::resolve_options<T>(options);
        random_engine rng(o.seed);
        std::vector<T> x(x_in.data(), x_in.data() + B * Net::input_size);

        // Networks can be large: keep the workspace and the probe on the heap.
        auto analytic = std::make_unique<Net>(subject);
        auto ws = std::make_unique<typename Net::template workspace<B>>();
        const auto y = analytic->forward(matrix_view<const T, B, Net::input_size>(x.data()), *ws, o.forward_mode);
        const double j0 = static_cast<double>(loss_function.value(y, targets, B));
        loss_function.gradient(y, targets, ws->output_gradient(), B);
        analytic->backward(*ws, true);

        auto probe = std::make_unique<Net>(subject);
        auto objective = [&] {
            Net fresh = *probe;
            const auto out = fresh.forward(matrix_view<const T, B, Net::input_size>(x.data()), *ws, o.forward_mode);
            return static_cast<double>(loss_function.value(out, targets, B));
        };

        gradcheck_result result;
        result.subject = "network " + std::to_string(Net::input_size);
        subject.for_each_layer([&]<std::size_t I>(std::integral_constant<std::size_t, I>, const auto& l) {
            using L = std::remove_cvref_t<decltype(l)>;
            result.subject.append(" > ").append(detail::layer_name<L>());
            if constexpr (trainable_layer<L>)
            {
                result.subject.append(" ").append(std::to_string(L::output_size));
            }
        });
        result.subject += std::string(" + ") + Loss::name + " B=" + std::to_string(B) + (std::is_same_v<T, double> ? " double" : " float") +
                          (o.forward_mode == mode::inference ? " (inference mode)" : "");
        result.tolerance = o.tolerance;
        result.step = o.step;
        result.floor = detail::noise_floor<T>(o, std::fabs(j0));
        std::vector<T> input_gradient(ws->input_gradient().data(), ws->input_gradient().data() + B * Net::input_size);
        result.tensors.push_back(detail::compare<T>("input", std::span<T>(x), std::span<const T>(input_gradient), objective, o, result.floor, rng));
        analytic->for_each_layer([&]<std::size_t I>(std::integral_constant<std::size_t, I>, auto& l) {
            using L = std::remove_cvref_t<decltype(l)>;
            if constexpr (trainable_layer<L>)
            {
                for (const parameter_tensor& t : L::parameter_tensors)
                {
                    const std::size_t count = t.rows * t.cols;
                    result.tensors.push_back(detail::compare<T>(
                        "layer " + std::to_string(I + 1) + " " + detail::layer_name<L>() + " " + t.name,
                        std::span<T>(probe->template at<I>().parameters().data() + t.offset, count),
                        std::span<const T>(l.gradients().data() + t.offset, count), objective, o, result.floor, rng));
                }
            }
        });
        return result;
    }
}
