// batch_norm<>: normalizes each channel (the last axis of a channels-last sample: a dense layer's features, a
// convolution's filters) and then scales and shifts it, y = weight (x - mean) / sqrt(var + epsilon) + bias, as
// PyTorch's BatchNorm1d / BatchNorm2d (Keras' BatchNormalization: its momentum is 1 - this one's).
//   training mode:  mean and variance (biased) of the channel over the batch and every position; the running
//                   statistics move towards them, running = (1 - momentum) running + momentum batch, running_var
//                   towards the unbiased variance (as PyTorch); num_batches_tracked counts the batches.
//   inference mode: the running statistics.
// Options: epsilon<V> (1e-5) and statistics_momentum<V> (0.1). The parameters are PyTorch's "weight" (1 at the
// start) and "bias" (0); the statistics (layer_with_statistics) are "running_mean" (0), "running_var" (1) and
// "num_batches_tracked", which model files and .npz files save and load with the parameters.
// A partial last batch: only its samples count (batch_rows_layer). A channel with one value in the batch has
// variance 0: its output is the bias, and running_var keeps its value (the unbiased variance is undefined).
// Backward, training mode (x^ = (x - mean) / s, s = sqrt(var + epsilon), M values per channel):
//   dbias = sum dy, dweight = sum dy x^, dx = weight / (M s) (M dy - dbias - x^ dweight);
// inference mode: dx = dy weight / s. In frozen and streaming networks it is per position (positionwise_layer),
// and a dense or convolution layer before it takes it into its weights (fold_into).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <type_traits>

#include <precast/concepts.hpp>
#include <precast/core/batch_view.hpp>
#include <precast/core/parameters.hpp>
#include <precast/core/random.hpp>
#include <precast/core/scalar.hpp>
#include <precast/core/shape.hpp>
#include <precast/core/vocabulary.hpp>
#include <precast/export.hpp>

namespace precast
{
    // Option of batch_norm<...> (with epsilon<V>, core/vocabulary.hpp).
    PRECAST_EXPORT template <double V>
    struct statistics_momentum
    {
        static constexpr double value = V;
    };

    PRECAST_EXPORT template <scalar T, static_shape Shape, double Epsilon = 1e-5, double Momentum = 0.1>
    class batch_norm_layer : public parameter_slot<T, 2 * last_extent<Shape>>, public statistics_slot<T, 2 * last_extent<Shape> + 1>
    {
        static_assert(Epsilon > 0.0, "precast::batch_norm: epsilon<V> must be positive (it keeps 1 / sqrt(var + epsilon) finite)");
        static_assert(Momentum >= 0.0 && Momentum <= 1.0, "precast::batch_norm: statistics_momentum<V> is a fraction, from 0 to 1");
        static constexpr std::size_t channels = last_extent<Shape>;
        static constexpr std::size_t positions = leading_size<Shape>;

    public:
        using value_type = T;
        using input_shape = Shape;
        using output_shape = Shape;
        static constexpr const char* name = "batch_norm";
        static constexpr double epsilon = Epsilon;
        static constexpr double momentum = Momentum;
        static constexpr std::size_t parameter_count = 2 * channels;
        static constexpr std::array<parameter_tensor, 2> parameter_tensors{{{"weight", 0, {channels}}, {"bias", channels, {channels}}}};
        static constexpr std::size_t statistic_count = 2 * channels + 1;
        static constexpr std::array<parameter_tensor, 3> statistic_tensors{
            {{"running_mean", 0, {channels}}, {"running_var", channels, {channels}}, {"num_batches_tracked", 2 * channels, {}}}};
        static constexpr std::size_t forward_flops = 4 * Shape::size;
        static constexpr std::size_t backward_flops = 8 * Shape::size;

        using parameter_slot<T, parameter_count>::parameters;
        using parameter_slot<T, parameter_count>::gradients;
        using statistics_slot<T, statistic_count>::statistics;

        // What backward needs of the forward pass: each channel's mean and 1 / sqrt(var + epsilon), the rows it
        // counted, and whether they were the batch's (training) or the running ones.
        template <std::size_t B>
        struct workspace
        {
            std::array<T, channels> mean{};
            std::array<T, channels> inverse_deviation{};
            std::size_t rows = B;
            bool batch_statistics = false;
        };
        template <std::size_t B>
        static constexpr std::size_t workspace_bytes = 2 * channels * sizeof(T);

        batch_norm_layer() { reset_statistics(); }

        // weight 1, bias 0 and the statistics afresh, as PyTorch's reset_parameters; the network's initializer is
        // for weights that mix inputs, not for these.
        template <initializer Init>
        void initialize(const Init& /*init*/, random_engine& /*rng*/)
        {
            std::fill_n(parameters().data(), channels, T(1));
            std::fill_n(parameters().data() + channels, channels, T(0));
            reset_statistics();
        }

        void reset_statistics() noexcept
        {
            T* s = statistics().data();
            std::fill_n(s, channels, T(0));
            std::fill_n(s + channels, channels, T(1));
            s[2 * channels] = T(0);
        }

        // Rows of the next batches that are samples (concepts.hpp, batch_rows_layer).
        void use_rows(std::size_t rows) noexcept { rows_ = rows; }

        [[nodiscard]] const T* running_mean() const noexcept { return statistics().data(); }
        [[nodiscard]] const T* running_var() const noexcept { return statistics().data() + channels; }
        [[nodiscard]] std::size_t batches_tracked() const noexcept { return static_cast<std::size_t>(statistics()[2 * channels]); }

        template <std::size_t B>
        void forward(batch_view<const T, B, Shape> x, batch_view<T, B, Shape> y, workspace<B>& ws, mode m) noexcept
        {
            const std::size_t rows = rows_ < B ? rows_ : B;
            ws.rows = rows;
            ws.batch_statistics = m == mode::training;
            if (ws.batch_statistics)
            {
                batch_moments(x.data(), rows * positions, ws);
            }
            else
            {
                for (std::size_t c = 0; c < channels; ++c)
                {
                    ws.mean[c] = running_mean()[c];
                    ws.inverse_deviation[c] = T(1) / std::sqrt(running_var()[c] + static_cast<T>(Epsilon));
                }
            }
            std::array<T, channels> scale;
            std::array<T, channels> shift;
            const T* weight = parameters().data();
            const T* bias = weight + channels;
            for (std::size_t c = 0; c < channels; ++c)
            {
                scale[c] = weight[c] * ws.inverse_deviation[c];
                shift[c] = bias[c] - ws.mean[c] * scale[c];
            }
            // Padding rows too, with the same scale: the loss ignores them, and they stay finite.
            for (std::size_t row = 0; row < B * positions; ++row)
            {
                const T* in = x.data() + row * channels;
                T* out = y.data() + row * channels;
                for (std::size_t c = 0; c < channels; ++c)
                {
                    out[c] = in[c] * scale[c] + shift[c];
                }
            }
        }

        template <std::size_t B>
        void backward(batch_view<const T, B, Shape> x, batch_view<const T, B, Shape> /*y*/, batch_view<const T, B, Shape> dy, batch_view<T, B, Shape> dx,
                      workspace<B>& ws) noexcept
        {
            const std::size_t counted = ws.rows * positions;
            const T* weight = parameters().data();
            T* dweight = gradients().data();
            T* dbias = dweight + channels;
            // Summed in double, as PyTorch does on the CPU (at::acc_type), for the same reason as the moments.
            std::array<double, channels> weight_sum{};
            std::array<double, channels> bias_sum{};
            for (std::size_t row = 0; row < counted; ++row)
            {
                const T* in = x.data() + row * channels;
                const T* g = dy.data() + row * channels;
                for (std::size_t c = 0; c < channels; ++c)
                {
                    bias_sum[c] += static_cast<double>(g[c]);
                    weight_sum[c] += static_cast<double>(g[c]) * static_cast<double>((in[c] - ws.mean[c]) * ws.inverse_deviation[c]);
                }
            }
            for (std::size_t c = 0; c < channels; ++c)
            {
                dweight[c] = static_cast<T>(weight_sum[c]);
                dbias[c] = static_cast<T>(bias_sum[c]);
            }
            if (dx.empty())
            {
                return;
            }
            std::array<T, channels> per_value;
            std::array<T, channels> centred_term;
            std::array<T, channels> constant_term;
            for (std::size_t c = 0; c < channels; ++c)
            {
                per_value[c] = weight[c] * ws.inverse_deviation[c];
                if (ws.batch_statistics && counted > 0)
                {
                    const T inverse_count = T(1) / static_cast<T>(counted);
                    // dx = a dy - a/M dbias - a/M x^ dweight, with x^ = (x - mean) s^-1: linear in x per channel.
                    centred_term[c] = per_value[c] * inverse_count * dweight[c] * ws.inverse_deviation[c];
                    constant_term[c] = -per_value[c] * inverse_count * dbias[c] + centred_term[c] * ws.mean[c];
                }
                else
                {
                    centred_term[c] = T(0);
                    constant_term[c] = T(0);
                }
            }
            for (std::size_t row = 0; row < B * positions; ++row)
            {
                const T* in = x.data() + row * channels;
                const T* g = dy.data() + row * channels;
                T* d = dx.data() + row * channels;
                if (ws.batch_statistics && row >= counted)
                {
                    std::fill_n(d, channels, T(0));  // padding: not a sample
                    continue;
                }
                for (std::size_t c = 0; c < channels; ++c)
                {
                    d[c] = per_value[c] * g[c] - centred_term[c] * in[c] + constant_term[c];
                }
            }
        }

        // The same layer on one position (concepts.hpp, positionwise_layer): streaming_network runs it a step at a
        // time, with the running statistics.
        using per_position = batch_norm_layer<T, shape<channels>, Epsilon, Momentum>;
        [[nodiscard]] per_position per_position_form() const
        {
            per_position one;
            one.parameters() = parameters();
            one.statistics() = statistics();
            return one;
        }

        // What inference mode does to channel c: y = scale[c] x + shift[c]. A dense or convolution layer before
        // it multiplies its filter c's weights by scale[c] and adds to its bias (fold_into in frozen forms).
        [[nodiscard]] std::array<T, channels> inference_scale() const noexcept
        {
            std::array<T, channels> scale;
            for (std::size_t c = 0; c < channels; ++c)
            {
                scale[c] = parameters()[c] / std::sqrt(running_var()[c] + static_cast<T>(Epsilon));
            }
            return scale;
        }
        [[nodiscard]] std::array<T, channels> inference_shift() const noexcept
        {
            const auto scale = inference_scale();
            std::array<T, channels> shift;
            for (std::size_t c = 0; c < channels; ++c)
            {
                shift[c] = parameters()[channels + c] - running_mean()[c] * scale[c];
            }
            return shift;
        }

    private:
        // Mean and variance over `count` rows of channels, in double whatever T is (a channel of a CNN's batch
        // holds 10^5 values, where float sums lose digits), in two passes (one pass loses digits when the mean is
        // large against the spread), then the running statistics.
        template <std::size_t B>
        void batch_moments(const T* x, std::size_t count, workspace<B>& ws) noexcept
        {
            std::array<double, channels> sum{};
            for (std::size_t row = 0; row < count; ++row)
            {
                for (std::size_t c = 0; c < channels; ++c)
                {
                    sum[c] += static_cast<double>(x[row * channels + c]);
                }
            }
            const double inverse_count = count > 0 ? 1.0 / static_cast<double>(count) : 0.0;
            std::array<double, channels> mean;
            for (std::size_t c = 0; c < channels; ++c)
            {
                mean[c] = sum[c] * inverse_count;
                ws.mean[c] = static_cast<T>(mean[c]);
                sum[c] = 0.0;
            }
            for (std::size_t row = 0; row < count; ++row)
            {
                for (std::size_t c = 0; c < channels; ++c)
                {
                    const double d = static_cast<double>(x[row * channels + c]) - mean[c];
                    sum[c] += d * d;
                }
            }
            T* s = statistics().data();
            const T keep = static_cast<T>(1.0 - Momentum);
            const T take = static_cast<T>(Momentum);
            for (std::size_t c = 0; c < channels; ++c)
            {
                const double variance = sum[c] * inverse_count;
                ws.inverse_deviation[c] = static_cast<T>(1.0 / std::sqrt(variance + Epsilon));
                if (count == 0)
                {
                    continue;
                }
                s[c] = keep * s[c] + take * ws.mean[c];
                if (count > 1)
                {
                    s[channels + c] = keep * s[channels + c] + take * static_cast<T>(sum[c] / static_cast<double>(count - 1));
                }
            }
            if (count > 0)
            {
                s[2 * channels] += T(1);
            }
        }

        std::size_t rows_ = static_cast<std::size_t>(-1);
    };

    namespace detail
    {
        template <class Option>
        struct batch_norm_option
        {
            static constexpr int kind = 0;  // 0 unknown, 1 epsilon, 2 momentum
            static constexpr double value = 0;
        };
        template <double V>
        struct batch_norm_option<epsilon<V>>
        {
            static constexpr int kind = 1;
            static constexpr double value = V;
        };
        template <double V>
        struct batch_norm_option<statistics_momentum<V>>
        {
            static constexpr int kind = 2;
            static constexpr double value = V;
        };
        template <int Kind, class... Options>
        consteval double batch_norm_setting(double otherwise) noexcept
        {
            double v = otherwise;
            ((batch_norm_option<Options>::kind == Kind ? (v = batch_norm_option<Options>::value, 0) : 0), ...);
            return v;
        }
    }

    // The spec: batch_norm<>, batch_norm<epsilon<1e-3>, statistics_momentum<0.01>>, options in any order.
    PRECAST_EXPORT template <class... Options>
    struct batch_norm
    {
        static_assert(((detail::batch_norm_option<Options>::kind != 0) && ...),
                      "precast::batch_norm<Options...>: the options are epsilon<V> and statistics_momentum<V> (Keras' momentum m is "
                      "statistics_momentum<1 - m>)");
        template <scalar T, static_shape In>
        using bind = batch_norm_layer<T, In, detail::batch_norm_setting<1, Options...>(1e-5), detail::batch_norm_setting<2, Options...>(0.1)>;
    };
}
