// The gradient-check suite of precast-gradcheck, split over several files to compile in parallel.
// precast-gradcheck: every layer and every loss at several shapes, in double and float, and whole small
// networks, checked against central finite differences. Prints a table; exits non-zero on any failure, and
// also if the deliberately broken layer (the canary) is not caught.
#pragma once

#include <cstddef>
#include <cstdio>
#include <cstring>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include <precast/precast.hpp>

#include "support/broken_layer.hpp"

namespace precast_gradcheck
{
    using namespace precast;  // NOLINT(google-build-using-namespace): a table of cases reads better without prefixes
    using precast::tanh;

    // What to print: one line per group (the default), every case (--table), or failures only (--failures-only).
    enum class report_style
    {
        summary,
        table,
        failures_only
    };

    struct suite
    {
        struct group_totals
        {
            std::string name;
            std::size_t cases = 0;
            std::size_t elements = 0;
            std::size_t failed = 0;
            double worst_error = 0;
            std::string worst_case;
        };

        std::size_t passed = 0;
        std::size_t failed = 0;
        std::size_t elements = 0;
        report_style style = report_style::summary;
        std::vector<group_totals> groups;

        // Cases recorded from here on count towards the named group.
        void begin_group(std::string name)
        {
            group_totals g;
            g.name = std::move(name);
            groups.push_back(std::move(g));
        }

        void record(const gradcheck_result& r, bool expect_pass = true)
        {
            const bool ok = r.passed() == expect_pass;
            (ok ? passed : failed) += 1;
            elements += r.elements_checked();
            if (groups.empty())
            {
                begin_group("other");
            }
            auto& g = groups.back();
            ++g.cases;
            g.elements += r.elements_checked();
            g.failed += ok ? 0 : 1;
            if (r.max_error() >= g.worst_error)
            {
                g.worst_error = r.max_error();
                g.worst_case = r.subject;
            }
            const auto* w = r.worst();
            if (style == report_style::table || !ok)
            {
                std::printf("%-104s %7zu  %9.2e  %-28s %s\n", r.subject.c_str(), r.elements_checked(), r.max_error(),
                            w ? (w->name + "[" + std::to_string(w->worst_index) + "]").c_str() : "-",
                            expect_pass ? (r.passed() ? "pass" : "FAIL") : (r.passed() ? "FAIL (canary passed)" : "fail, as it must"));
            }
        }

        // One line per group: its cases, elements, failures and the case with the largest error.
        void print_summary() const
        {
            std::printf("%-26s %6s %9s %7s  %s\n", "group", "cases", "elements", "failed", "largest error (in case)");
            for (const auto& g : groups)
            {
                std::string worst = g.worst_case;
                if (worst.size() > 60)
                {
                    worst = worst.substr(0, 57) + "...";
                }
                std::printf("%-26s %6zu %9zu %7zu  %s\n", g.name.c_str(), g.cases, g.elements, g.failed,
                            g.worst_case.empty() ? "-" : (format_error(g.worst_error) + " (" + worst + ")").c_str());
            }
        }

        static std::string format_error(double e)
        {
            char text[32];
            std::snprintf(text, sizeof text, "%.2e", e);
            return text;
        }
    };

    template <class T>
    std::vector<T> uniform_values(std::size_t n, double lo, double hi, std::uint64_t seed)
    {
        random_engine rng(seed);
        std::vector<T> v(n);
        for (T& x : v)
        {
            x = static_cast<T>(rng.uniform(lo, hi));
        }
        return v;
    }

    template <class T>
    std::vector<T> one_hot_rows(std::size_t rows, std::size_t n, std::uint64_t seed)
    {
        random_engine rng(seed);
        std::vector<T> v(rows * n, T(0));
        for (std::size_t r = 0; r < rows; ++r)
        {
            v[r * n + rng.below(n)] = T(1);
        }
        return v;
    }

    // ---- layers --------------------------------------------------------------------------------------------------
    template <class L, std::size_t B>
    void layer_case(suite& s, L l = {})
    {
        if constexpr (requires { l.seed(1); })
        {
            l.seed(1);
        }
        if constexpr (trainable_layer<L>)
        {
            random_engine rng(L::input_shape::size * 131 + L::output_shape::size);
            l.initialize(normal{0.0, 1.0}, rng);
        }
        s.record(check_layer<L, B>(l));
    }

    template <class T, std::size_t N>
    void activations_at(suite& s)
    {
        layer_case<identity_layer<T, precast::shape<N>>, 3>(s);
        layer_case<sigmoid_layer<T, precast::shape<N>>, 3>(s);
        layer_case<tanh_layer<T, precast::shape<N>>, 3>(s);
        layer_case<relu_layer<T, precast::shape<N>>, 3>(s);
        layer_case<leaky_relu_layer<T, precast::shape<N>, 0.1>, 3>(s);
        layer_case<elu_layer<T, precast::shape<N>, 1.0>, 3>(s);
        layer_case<softmax_layer<T, precast::shape<N>>, 3>(s);
        layer_case<dropout_layer<T, precast::shape<N>, 0.3>, 3>(s);
    }

    // Samples of rank 2 and 3: elementwise layers keep the shape, dense and softmax act on the last axis.
    template <class T, class S>
    void shaped_layers(suite& s)
    {
        layer_case<sigmoid_layer<T, S>, 3>(s);
        layer_case<tanh_layer<T, S>, 2>(s);
        layer_case<elu_layer<T, S, 1.0>, 2>(s);
        layer_case<softmax_layer<T, S>, 2>(s);
        layer_case<dropout_layer<T, S, 0.3>, 2>(s);
        layer_case<reshape_layer<T, S, precast::shape<S::size>>, 2>(s);
        layer_case<dense_layer<T, S, 4>, 1>(s);  // leading_size rows: below the GEMM threshold for shape<3, 5>
        layer_case<dense_layer<T, S, 4>, 3>(s);  // by the GEMM
        layer_case<dense_layer<T, S, 6, false>, 2>(s);
    }

    template <class T, std::size_t In, std::size_t Out>
    void dense_at(suite& s)
    {
        layer_case<dense_layer<T, precast::shape<In>, Out>, 3>(s);  // forward by dot products (batch below the GEMM threshold)
        layer_case<dense_layer<T, precast::shape<In>, Out>, 9>(s);  // forward by the GEMM, a partial row tile
        layer_case<dense_layer<T, precast::shape<In>, Out, false>, 3>(s);
    }

    template <class T>
    void layers(suite& s)
    {
        activations_at<T, 1>(s);
        activations_at<T, 3>(s);
        activations_at<T, 7>(s);
        activations_at<T, 17>(s);
        activations_at<T, 33>(s);
        dense_at<T, 1, 1>(s);
        dense_at<T, 3, 7>(s);
        dense_at<T, 7, 3>(s);
        dense_at<T, 17, 33>(s);
        dense_at<T, 33, 17>(s);
        layer_case<dense_layer<T, precast::shape<7>, 17>, 1>(s);  // batch of one
        layer_case<sigmoid_layer<T, precast::shape<17>>, 1>(s);
        shaped_layers<T, precast::shape<3, 5>>(s);
        // Rank 3: the layers that fold axes (the rest are elementwise, whatever the rank).
        layer_case<dense_layer<T, precast::shape<2, 3, 4>, 5>, 2>(s);
        layer_case<softmax_layer<T, precast::shape<2, 3, 4>>, 2>(s);
    }

    // ---- losses --------------------------------------------------------------------------------------------------
    template <class T, std::size_t N, std::size_t B = 3>
    void losses_at(suite& s, std::size_t rows = B)
    {
        const std::uint64_t seed = N * 7 + B;
        const auto y = uniform_values<T>(B * N, -1.0, 1.0, seed);
        const auto t = uniform_values<T>(B * N, -1.0, 1.0, seed + 1);
        const auto p = uniform_values<T>(B * N, 0.05, 0.95, seed + 2);
        const auto t01 = uniform_values<T>(B * N, 0.0, 1.0, seed + 3);
        const auto logits = uniform_values<T>(B * N, -3.0, 3.0, seed + 4);
        const auto hot = one_hot_rows<T>(B, N, seed + 5);
        std::vector<label_type> labels(B);
        random_engine rng(seed + 6);
        for (auto& l : labels)
        {
            l = static_cast<label_type>(rng.below(N));
        }
        using view = matrix_view<const T, B, N>;
        s.record(check_loss(mean_squared_error{}, view(y.data()), view(t.data()), {}, rows));
        s.record(check_loss(half_sum_squared_error{}, view(y.data()), view(t.data()), {}, rows));
        s.record(check_loss(binary_cross_entropy{}, view(p.data()), view(t01.data()), {}, rows));
        s.record(check_loss(binary_cross_entropy_with_logits{}, view(logits.data()), view(t01.data()), {}, rows));
        s.record(check_loss(softmax_cross_entropy{}, view(logits.data()), std::span<const label_type, B>(labels.data(), B), {}, rows));
        s.record(check_loss(softmax_cross_entropy_one_hot{}, view(logits.data()), view(hot.data()), {}, rows));
        s.record(check_loss(categorical_cross_entropy{}, view(p.data()), view(hot.data()), {}, rows));
    }

    template <class T>
    void losses(suite& s)
    {
        losses_at<T, 1>(s);
        losses_at<T, 3>(s);
        losses_at<T, 7>(s);
        losses_at<T, 17>(s);
        losses_at<T, 33>(s);
        losses_at<T, 7, 4>(s, 2);  // a partial batch: 2 real rows of 4
    }

    // ---- networks ------------------------------------------------------------------------------------------------
    // Targets as the trainer gives them to the loss: labels per position of the output's last axis (every fifth
    // one ignore_label when the output has several positions), or values per sample.
    template <class Net, class Loss, std::size_t B>
    void network_case(suite& s, const Loss& loss_function, std::uint64_t seed, mode m = mode::training)
    {
        using T = typename Net::value_type;
        constexpr std::size_t rows = B * loss_rows_per_sample<Loss::targets, typename Net::output_shape>;
        constexpr std::size_t row_size = loss_row_size<Loss::targets, typename Net::output_shape>;
        const Net net(normal{0.0, 0.7}, seed);
        auto x = uniform_values<T>(B * Net::input_size, -1.0, 1.0, seed + 1);
        if constexpr (Net::takes_token_ids)
        {
            random_engine ids(seed + 1);
            for (T& id : x)
            {
                id = static_cast<T>(ids.below(Net::token_vocabulary));
            }
        }
        const batch_view<const T, B, typename Net::input_shape> input(x.data());
        gradcheck_options options;
        options.forward_mode = m;
        if constexpr (Loss::targets == target_kind::labels)
        {
            std::vector<label_type> labels(rows);
            random_engine rng(seed + 2);
            for (std::size_t i = 0; i < rows; ++i)
            {
                labels[i] = rows > B && i % 5 == 4 ? ignore_label : static_cast<label_type>(rng.below(row_size));
            }
            s.record(check_network(net, loss_function, input, std::span<const label_type, rows>(labels.data(), rows), options));
        }
        else
        {
            const auto t = std::is_same_v<Loss, categorical_cross_entropy> || std::is_same_v<Loss, softmax_cross_entropy_one_hot>
                               ? one_hot_rows<T>(B, Net::output_size, seed + 2)
                               : uniform_values<T>(B * Net::output_size, 0.0, 1.0, seed + 2);
            s.record(check_network(net, loss_function, input, matrix_view<const T, B, Net::output_size>(t.data()), options));
        }
    }

    template <class T>
    void networks(suite& s)
    {
        network_case<network<input<2, T>, dense<2>, sigmoid, dense<1>, sigmoid>, binary_cross_entropy, 4>(s, {}, 1);
        network_case<network<input<2, T>, dense<4>, sigmoid, dense<3>, sigmoid, dense<2>, sigmoid>, half_sum_squared_error, 5>(s, {}, 2);
        network_case<network<input<7, T>, dense<17>, tanh, dense<3>>, softmax_cross_entropy, 3>(s, {}, 3);
        network_case<network<input<3, T>, dense<7>, elu<>, dense<1>>, binary_cross_entropy_with_logits, 3>(s, {}, 4);
        network_case<network<input<5, T>, dense<7>, tanh, dense<3>, softmax>, categorical_cross_entropy, 2>(s, {}, 5);
        network_case<network<input<1, T>, dense<1>>, mean_squared_error, 7>(s, {}, 6);
        // Sequences: one label per step (some ignored); reshaping in and out of rank 2.
        network_case<network<input_of<shape<4, 3>, T>, dense<5>, tanh, dense<3>>, softmax_cross_entropy, 3>(s, {}, 10);
        network_case<network<input<12, T>, reshape_to<3, 4>, dense<2>, sigmoid, flatten, dense<2>>, mean_squared_error, 2>(s, {}, 11);
    }

    // Kinked activations and dropout inside networks: double only, where the step is far smaller than any
    // pre-activation's distance from a kink.
    inline void networks_double_only(suite& s)
    {
        network_case<network<input<5, double>, dense<9>, relu, dense<6>, leaky_relu<0.05>, dense<4>>, softmax_cross_entropy_one_hot, 3>(s, {}, 7);
        network_case<network<input<6, double>, dense<8>, tanh, dropout<0.5>, dense<3>>, softmax_cross_entropy, 4>(s, {}, 8);
        network_case<network<input<6, double>, dense<8>, tanh, dropout<0.5>, dense<3>>, softmax_cross_entropy, 4>(s, {}, 8, mode::inference);
        network_case<network<input<33, double>, dense<17>, relu, dense<7>, sigmoid, dense<1, no_bias>>, mean_squared_error, 1>(s, {}, 9);
        network_case<network<input_of<shape<2, 3, 4>, double>, dense<6>, relu, dropout<0.25>, dense<3>, softmax>, categorical_cross_entropy, 2>(s, {}, 12);
    }

    // One per file of the suite.
    void check_layers_double(suite& s);
    void check_layers_float(suite& s);
    void check_losses(suite& s);
    void check_networks(suite& s);
    void check_networks_float(suite& s);
    void check_recurrent(suite& s);
    void check_blocks(suite& s);
    void check_convolutions(suite& s);
    void check_attention(suite& s);
}
