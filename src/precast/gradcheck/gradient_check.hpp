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
//
// Backward must overwrite: the analytic buffers (dx and the parameter gradients) are filled with NaN before a
// first backward pass and with random values before a second. An element left unwritten (NaN stays, or a random
// value differs between the passes) or accumulated into fails the check, whatever the finite differences say.
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
#include <precast/core/batch_view.hpp>
#include <precast/core/random.hpp>
#include <precast/export.hpp>
#include <precast/losses/loss_support.hpp>
#include <precast/network/chain.hpp>

namespace precast
{
    PRECAST_EXPORT struct gradcheck_options
    {
        double step = 0.0;                        // h; 0 = the default for the element type
        double tolerance = 0.0;                   // largest passing e; 0 = the default for the element type
        double min_floor = 0.0;                   // 0 = the default for the element type
        std::size_t max_elements_per_tensor = 0;  // 0 = check every element; else a seeded sample of this many
        std::uint64_t seed = 1;                   // for generated inputs, r and the sample
        mode forward_mode = mode::training;       // mode of the forward passes of a layer or network check
    };

    PRECAST_EXPORT struct gradcheck_tensor_result
    {
        std::string name;
        std::size_t total = 0;    // elements in the tensor
        std::size_t checked = 0;  // elements compared (all, or the sample)
        double max_error = 0.0;
        std::size_t worst_index = 0;
        double analytic_at_worst = 0.0;
        double numeric_at_worst = 0.0;
        // Whether backward wrote every element of this gradient, the same after a NaN and a random pre-fill.
        bool overwritten = true;
        std::size_t first_not_overwritten = 0;
    };

    PRECAST_EXPORT struct gradcheck_result
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
        // The first tensor whose gradient backward did not overwrite, or null.
        [[nodiscard]] const gradcheck_tensor_result* not_overwritten() const noexcept
        {
            for (const auto& t : tensors)
            {
                if (!t.overwritten)
                {
                    return &t;
                }
            }
            return nullptr;
        }
        [[nodiscard]] bool passed() const noexcept
        {
            const double e = max_error();
            return !std::isnan(e) && e <= tolerance && elements_checked() > 0 && not_overwritten() == nullptr;
        }
        // One line: subject, verdict, max error, where, how many elements.
        [[nodiscard]] std::string summary() const
        {
            const auto* w = worst();
            char line[512];
            std::snprintf(line, sizeof line, "%s: %s  max rel. error %.2e (tolerance %.0e) at %s[%zu] (analytic %.6g, numeric %.6g); %zu elements checked",
                          subject.c_str(), passed() ? "PASS" : "FAIL", max_error(), tolerance, w ? w->name.c_str() : "-", w ? w->worst_index : std::size_t{0},
                          w ? w->analytic_at_worst : 0.0, w ? w->numeric_at_worst : 0.0, elements_checked());
            std::string text = line;
            if (const auto* bad = not_overwritten())
            {
                text +=
                    "; backward did not overwrite " + bad->name + "[" + std::to_string(bad->first_not_overwritten) + "] (left unwritten, or accumulated into)";
            }
            return text;
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
        gradcheck_tensor_result compare(std::string name, std::span<T> values, std::span<const T> analytic, Objective&& objective, const gradcheck_options& o,
                                        double floor, random_engine& rng)
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

        // "[5, 3]" for shape<5, 3>.
        template <static_shape S>
        std::string shape_text()
        {
            std::string text = "[";
            for (std::size_t a = 0; a < S::rank; ++a)
            {
                text += (a == 0 ? "" : ", ") + std::to_string(S::extents[a]);
            }
            return text + "]";
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
            if constexpr (named<L>)
            {
                return std::string(std::string_view(L::name));
            }
            return "layer";
        }

        // The name of layer `index` of a network.
        template <class Net>
        std::string layer_name_at(std::size_t index)
        {
            std::string name;
            for_each_index([&](auto i) { name = i == index ? layer_name<typename Net::template layer_type<decltype(i)::value>>() : name; },
                           std::make_index_sequence<Net::depth>{});
            return name;
        }

        // The first index where two backward passes (after a NaN and after a random pre-fill) disagree or left
        // NaN, or n if they agree everywhere.
        template <scalar T>
        std::size_t first_not_overwritten(std::span<const T> after_nan, std::span<const T> after_random) noexcept
        {
            for (std::size_t i = 0; i < after_nan.size(); ++i)
            {
                const bool nan_left = std::isnan(after_nan[i]) && !std::isnan(after_random[i]);
                const bool differs = !std::isnan(after_nan[i]) && !(after_nan[i] == after_random[i]);
                if (nan_left || differs)
                {
                    return i;
                }
            }
            return after_nan.size();
        }

        inline void mark_overwrite(gradcheck_tensor_result& r, std::size_t first_bad) noexcept
        {
            r.overwritten = first_bad == r.total;
            r.first_not_overwritten = r.overwritten ? 0 : first_bad;
        }
    }

    // Checks one layer's backward (parameters and input) at the batch x.
    PRECAST_EXPORT template <layer L, std::size_t B>
    gradcheck_result check_layer(const L& subject, batch_view<const typename L::value_type, B, typename L::input_shape> x_in, gradcheck_options options = {})
    {
        using T = typename L::value_type;
        using in_shape = typename L::input_shape;
        using out_shape = typename L::output_shape;
        constexpr std::size_t In = in_shape::size;
        constexpr std::size_t Out = out_shape::size;
        const gradcheck_options o = detail::resolve_options<T>(options);
        random_engine rng(o.seed);

        std::vector<T> x(x_in.data(), x_in.data() + B * In);
        std::vector<T> r(B * Out);
        detail::fill_uniform(std::span<T>(r), rng, -1.0, 1.0);
        std::vector<T> y(B * Out);

        // Analytic: forward, then backward with dy = r twice on a copy, its buffers pre-filled with NaN, then
        // with random values.
        L analytic_layer = subject;
        typename L::template workspace<B> ws{};
        analytic_layer.forward(batch_view<const T, B, in_shape>(x.data()), batch_view<T, B, out_shape>(y.data()), ws, o.forward_mode);
        double magnitude = 0.0;
        for (std::size_t i = 0; i < B * Out; ++i)
        {
            magnitude += std::fabs(static_cast<double>(y[i]) * static_cast<double>(r[i]));
        }
        const auto backward_into = [&](std::vector<T>& dx) {
            analytic_layer.backward(batch_view<const T, B, in_shape>(x.data()), batch_view<const T, B, out_shape>(y.data()),
                                    batch_view<const T, B, out_shape>(r.data()), batch_view<T, B, in_shape>(dx.data()), ws);
        };
        std::vector<T> dx(B * In, std::numeric_limits<T>::quiet_NaN());
        std::vector<T> dx_again(B * In);
        detail::fill_uniform(std::span<T>(dx_again), rng, -1.0, 1.0);
        std::vector<T> gradients_after_nan;
        if constexpr (trainable_layer<L>)
        {
            analytic_layer.gradients().fill(std::numeric_limits<T>::quiet_NaN());
        }
        backward_into(dx);
        if constexpr (trainable_layer<L>)
        {
            gradients_after_nan.assign(analytic_layer.gradients().data(), analytic_layer.gradients().data() + L::parameter_count);
            detail::fill_uniform(std::span<T>(analytic_layer.gradients().span()), rng, -1.0, 1.0);
        }
        backward_into(dx_again);

        L probe = subject;  // parameters are perturbed here; every evaluation starts from a copy of it
        auto objective = [&] {
            L fresh = probe;
            typename L::template workspace<B> fresh_ws{};
            std::vector<T> out(B * Out);
            fresh.forward(batch_view<const T, B, in_shape>(x.data()), batch_view<T, B, out_shape>(out.data()), fresh_ws, o.forward_mode);
            double j = 0.0;
            for (std::size_t i = 0; i < B * Out; ++i)
            {
                j += static_cast<double>(out[i]) * static_cast<double>(r[i]);
            }
            return j;
        };

        gradcheck_result result;
        result.subject = detail::layer_name<L>() + " " + detail::shape_text<in_shape>() + "->" + detail::shape_text<out_shape>() + " B=" + std::to_string(B) +
                         (std::is_same_v<T, double> ? " double" : " float");
        result.tolerance = o.tolerance;
        result.step = o.step;
        result.floor = detail::noise_floor<T>(o, magnitude);
        // Token ids have no gradient (a token layer writes zeros), and no finite difference.
        if constexpr (!token_layer<L>)
        {
            result.tensors.push_back(detail::compare<T>("input", std::span<T>(x), std::span<const T>(dx), objective, o, result.floor, rng));
            detail::mark_overwrite(result.tensors.back(), detail::first_not_overwritten<T>(dx, dx_again));
        }
        if constexpr (trainable_layer<L>)
        {
            const auto& analytic = analytic_layer.gradients();
            for (const parameter_tensor& t : L::parameter_tensors)
            {
                const std::size_t count = t.size();
                result.tensors.push_back(detail::compare<T>(t.name, std::span<T>(probe.parameters().data() + t.offset, count),
                                                            std::span<const T>(gradients_after_nan.data() + t.offset, count), objective, o, result.floor, rng));
                detail::mark_overwrite(result.tensors.back(), detail::first_not_overwritten<T>(std::span<const T>(gradients_after_nan.data() + t.offset, count),
                                                                                               std::span<const T>(analytic.data() + t.offset, count)));
            }
        }
        return result;
    }

    // Same, at a batch drawn from the seed with values in +-[0.1, 1] (clear of activation kinks at 0), or token ids
    // for a token layer (every id of a small vocabulary, so some repeat).
    template <layer L, std::size_t B>
    gradcheck_result check_layer(const L& subject, gradcheck_options options = {})
    {
        using T = typename L::value_type;
        random_engine rng(options.seed ^ 0xA5A5A5A5ULL);
        std::vector<T> x(B * L::input_shape::size);
        if constexpr (token_layer<L>)
        {
            for (T& id : x)
            {
                id = static_cast<T>(rng.below(L::vocabulary));
            }
        }
        else
        {
            detail::fill_away_from_zero(std::span<T>(x), rng);
        }
        return check_layer<L, B>(subject, batch_view<const T, B, typename L::input_shape>(x.data()), options);
    }

    // Checks a loss's gradient with respect to its input y at (y, targets), y seen as the loss sees it (concepts.hpp).
    PRECAST_EXPORT template <loss Loss, scalar T, std::size_t B, std::size_t N>
    gradcheck_result check_loss(const Loss& subject, matrix_view<const T, B, N> y_in, target_batch<Loss::targets, T, B, N> targets,
                                gradcheck_options options = {}, std::size_t rows = B)
    {
        const gradcheck_options o = detail::resolve_options<T>(options);
        random_engine rng(o.seed);
        std::vector<T> y(y_in.data(), y_in.data() + B * N);
        std::vector<T> dy(B * N, std::numeric_limits<T>::quiet_NaN());
        std::vector<T> dy_again(B * N);
        detail::fill_uniform(std::span<T>(dy_again), rng, -1.0, 1.0);
        subject.gradient(matrix_view<const T, B, N>(y.data()), targets, matrix_view<T, B, N>(dy.data()), rows);
        subject.gradient(matrix_view<const T, B, N>(y.data()), targets, matrix_view<T, B, N>(dy_again.data()), rows);
        auto objective = [&] { return static_cast<double>(subject.value(matrix_view<const T, B, N>(y.data()), targets, rows)); };

        gradcheck_result result;
        result.subject = std::string(Loss::name) + " N=" + std::to_string(N) + " B=" + std::to_string(B) + (rows != B ? " rows=" + std::to_string(rows) : "") +
                         (std::is_same_v<T, double> ? " double" : " float");
        result.tolerance = o.tolerance;
        result.step = o.step;
        result.floor = detail::noise_floor<T>(o, std::fabs(objective()));
        result.tensors.push_back(detail::compare<T>("prediction", std::span<T>(y), std::span<const T>(dy), objective, o, result.floor, rng));
        detail::mark_overwrite(result.tensors.back(), detail::first_not_overwritten<T>(dy, dy_again));
        return result;
    }

    // Checks a whole network + loss: the input gradient and every trainable layer's parameter gradients. The targets
    // are what the trainer would give the loss (one label per position for an output of rank > 1).
    PRECAST_EXPORT template <neural_network Net, loss Loss, std::size_t B>
    gradcheck_result check_network(const Net& subject, const Loss& loss_function, batch_view<const typename Net::value_type, B, typename Net::input_shape> x_in,
                                   loss_targets<Loss, typename Net::output_shape, B, typename Net::value_type> targets, gradcheck_options options = {})
    {
        using T = typename Net::value_type;
        constexpr target_kind kind = Loss::targets;
        constexpr std::size_t loss_rows_total = B * loss_rows_per_sample<kind, typename Net::output_shape>;
        const gradcheck_options o = detail::resolve_options<T>(options);
        random_engine rng(o.seed);
        std::vector<T> x(x_in.data(), x_in.data() + B * Net::input_size);

        // Networks can be large: keep the workspace and the probe on the heap.
        auto analytic = std::make_unique<Net>(subject);
        auto ws = std::make_unique<typename Net::template workspace<B>>();
        const auto y = loss_rows<kind>(analytic->forward(batch_view<const T, B, typename Net::input_shape>(x.data()), *ws, o.forward_mode));
        const double j0 = static_cast<double>(loss_function.value(y, targets, loss_rows_total));

        // Backward twice, every gradient buffer pre-filled with NaN, then with random values.
        const auto backward_after = [&](auto&& fill) {
            detail::for_each_index([&](auto i) { fill(ws->template gradient<decltype(i)::value>().flat()); }, std::make_index_sequence<Net::depth + 1>{});
            if constexpr (Net::parameter_count > 0)
            {
                fill(analytic->gradients().span());
            }
            loss_function.gradient(y, targets, loss_rows<kind>(ws->output_gradient()), loss_rows_total);
            analytic->backward(*ws, true);
            std::vector<T> all(ws->input_gradient().data(), ws->input_gradient().data() + B * Net::input_size);
            if constexpr (Net::parameter_count > 0)
            {
                all.insert(all.end(), analytic->gradients().data(), analytic->gradients().data() + Net::parameter_count);
            }
            return all;
        };
        const std::vector<T> after_random = backward_after([&](auto values) { detail::fill_uniform(std::span<T>(values), rng, -1.0, 1.0); });
        const std::vector<T> after_nan = backward_after([](auto values) { std::fill(values.begin(), values.end(), std::numeric_limits<T>::quiet_NaN()); });

        auto probe = std::make_unique<Net>(subject);
        auto objective = [&] {
            Net fresh = *probe;
            const auto out = loss_rows<kind>(fresh.forward(batch_view<const T, B, typename Net::input_shape>(x.data()), *ws, o.forward_mode));
            return static_cast<double>(loss_function.value(out, targets, loss_rows_total));
        };

        gradcheck_result result;
        result.subject = "network " + detail::shape_text<typename Net::input_shape>();
        subject.for_each_layer([&]<std::size_t I>(std::integral_constant<std::size_t, I>, const auto& l) {
            using L = std::remove_cvref_t<decltype(l)>;
            result.subject.append(" > ").append(detail::layer_name<L>());
            if constexpr (trainable_layer<L>)
            {
                result.subject.append(" ").append(detail::shape_text<typename L::output_shape>());
            }
        });
        result.subject += std::string(" + ") + Loss::name + " B=" + std::to_string(B) + (std::is_same_v<T, double> ? " double" : " float") +
                          (o.forward_mode == mode::inference ? " (inference mode)" : "");
        result.tolerance = o.tolerance;
        result.step = o.step;
        result.floor = detail::noise_floor<T>(o, std::fabs(j0));
        std::size_t offset = 0;
        const auto add_tensor = [&](std::string name, std::span<T> values, std::size_t count) {
            const std::span<const T> analytic_values(after_nan.data() + offset, count);
            result.tensors.push_back(detail::compare<T>(std::move(name), values, analytic_values, objective, o, result.floor, rng));
            detail::mark_overwrite(result.tensors.back(),
                                   detail::first_not_overwritten<T>(analytic_values, std::span<const T>(after_random.data() + offset, count)));
            offset += count;
        };
        if constexpr (requires { requires Net::takes_token_ids; })
        {
            offset += B * Net::input_size;  // token ids: no gradient, no finite difference
        }
        else
        {
            add_tensor("input", std::span<T>(x), B * Net::input_size);
        }
        if constexpr (Net::parameter_count > 0)
        {
            // The table lists the tensors in arena order, as `all` holds the gradients.
            for (std::size_t k = 0; k < Net::parameter_table.size(); ++k)
            {
                const parameter_tensor& t = Net::parameter_table[k];
                const std::size_t layer = Net::parameter_table_layers[k];
                add_tensor("layer " + std::to_string(layer + 1) + " " + detail::layer_name_at<Net>(layer) + " " + Net::parameter_table_local_names[k],
                           std::span<T>(probe->parameters().data() + t.offset, t.size()), t.size());
            }
        }
        return result;
    }
}
