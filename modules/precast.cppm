// The C++20 named module `precast`.
//
// Headers are the single source of truth. They are included in the global module fragment, so their entities
// stay attached to the global module, and this unit re-exports them by name. A program may therefore
// `#include <precast/precast.hpp>` in one file and `import precast;` in another: both name the same entities
// (no ODR split, one symbol each). Which names: every declaration the headers mark PRECAST_EXPORT; the build
// writes the list (precast_exports.inc) from the marks, so a new public name needs its mark and nothing here.
// The test suite compiles every test once with #include and once with import, so a missing mark fails it.
module;

#include <precast/core/xtensor_view.hpp>
#include <precast/precast.hpp>
#include <precast/report.hpp>
#include <precast/io/model_file.hpp>
#include <precast/io/npy.hpp>

export module precast;

export namespace precast
{
    // Every declaration marked PRECAST_EXPORT in the headers, as `using precast::name;` (written by the build from
    // the marks: cmake/precastModuleExports.cmake).
#include "precast_exports.inc"
}

// Clang drops global-module-fragment declarations that nothing in the purview uses, among them the intrinsics
// xsimd's templates call. Running each kernel here keeps them reachable for importers, which instantiate the same
// templates at their own sizes. Every use below sits inside a function of this unit, never in an explicit
// instantiation of a kernel itself: an importer emits its own copy of each kernel, compiled with its own SIMD
// flags, and so links against a package built for any other SIMD target (an explicitly instantiated kernel would
// live only in the package's object file, under the package's instruction-set namespace).
namespace precast::detail
{
    template <scalar T>
    void keep_kernel_intrinsics_reachable()
    {
        T a[9 * 17] = {};
        T b[33 * 17] = {};
        T c[9 * 33] = {};
        static_cast<void>(kernels::dot<T>(a, b, 17));
        kernels::axpy<T>(T(1), a, b, 17);
        // GEMMs with full and partial tiles cover the aligned loads and stores and the broadcasts; the second, with a
        // transposed B wider and deeper than a register, the in-register transpose of the packing.
        kernels::gemm<T, 9, 33, 3, kernels::row_major<3>, kernels::row_major<33>, kernels::row_major<33>>(a, b, c);
        kernels::gemm<T, 9, 33, 17, kernels::row_major<17>, kernels::transposed<17>, kernels::row_major<33>>(a, b, c);
    }
    template void keep_kernel_intrinsics_reachable<float>();
    template void keep_kernel_intrinsics_reachable<double>();
}

// The vectorized activations use many more intrinsics (through xsimd's exp, expm1, tanh, select, max): running
// each activation layer once per element type, a full register plus a tail, keeps all of them reachable.
namespace precast::detail
{
    template <scalar T>
    void keep_activation_intrinsics_reachable()
    {
        constexpr std::size_t n = kernels::simd_width<T> + 1;
        T x[n] = {};
        T y[n] = {};
        T dx[n] = {};
        no_workspace ws;
        const auto run = [&](auto layer) {
            layer.forward(matrix_view<const T, 1, n>(x), matrix_view<T, 1, n>(y), ws, mode::inference);
            layer.backward(matrix_view<const T, 1, n>(x), matrix_view<const T, 1, n>(y), matrix_view<const T, 1, n>(y), matrix_view<T, 1, n>(dx), ws);
        };
        run(identity_layer<T, shape<n>>{});
        run(sigmoid_layer<T, shape<n>>{});
        run(tanh_layer<T, shape<n>>{});
        run(relu_layer<T, shape<n>>{});
        run(leaky_relu_layer<T, shape<n>>{});
        run(elu_layer<T, shape<n>>{});
        run(gelu_layer<T, shape<n>>{});
        run(gelu_layer<T, shape<n>, true>{});
        run(silu_layer<T, shape<n>>{});
        run(softmax_layer<T, shape<n>>{});
        // The softmax losses' exp and log-sum-exp on registers of doubles.
        const std::array<label_type, 1> label{0};
        static_cast<void>(softmax_cross_entropy{}.value(matrix_view<const T, 1, n>(x), std::span<const label_type, 1>(label), 1));
        softmax_cross_entropy{}.gradient(matrix_view<const T, 1, n>(x), std::span<const label_type, 1>(label), matrix_view<T, 1, n>(dx), 1);
    }
    template void keep_activation_intrinsics_reachable<float>();
    template void keep_activation_intrinsics_reachable<double>();
}

// And for the register forms of frozen_network, which use narrower registers than the kernels (128- and 256-bit
// under AVX-512): each instruction set's operations are instantiated once for all sizes, so one network per
// register width, with every activation, covers them.
namespace precast::detail
{
    template <scalar T, std::size_t N>
    void keep_register_form_intrinsics_reachable()
    {
        using net_t = network<input<N, T>, dense<N>, identity, sigmoid, precast::tanh, relu, leaky_relu<>, elu<>, gelu<>, gelu<tanh_approximation>, silu, dense<1>>;
        net_t net;
        frozen_network<net_t> frozen(net);
        const T x[N] = {};
        static_cast<void>(frozen(std::span<const T, N>(x)));
        // The dense layers' few-row path (sums across outputs on at most 256 bits).
        typename net_t::template workspace<1> ws;
        static_cast<void>(net.forward(ws));
    }
    template void keep_register_form_intrinsics_reachable<float, 2>();
    template void keep_register_form_intrinsics_reachable<float, 4>();
    template void keep_register_form_intrinsics_reachable<float, 8>();
    template void keep_register_form_intrinsics_reachable<float, 16>();
    template void keep_register_form_intrinsics_reachable<float, kernels::simd_width<float> + 1>();
    template void keep_register_form_intrinsics_reachable<double, 2>();
    template void keep_register_form_intrinsics_reachable<double, 4>();
    template void keep_register_form_intrinsics_reachable<double, 8>();
    template void keep_register_form_intrinsics_reachable<double, kernels::simd_width<double> + 1>();
}

// The same for the optimizers' update kernels (sqrt, min, max, abs, select, pow) and the gradient preparation.
namespace precast::detail
{
    template <scalar T>
    void keep_optimizer_intrinsics_reachable()
    {
        constexpr std::size_t n = kernels::simd_width<T> + 1;
        T p[n] = {};
        const T g[n] = {};
        const auto run = [&](const auto& optimizer) {
            typename std::remove_cvref_t<decltype(optimizer)>::template state<T, n> s;
            optimizer.initialize(s);
            optimizer.update(std::span<T, n>(p), std::span<const T, n>(g), s, step_context{});
        };
        run(gradient_descent());
        run(momentum());
        run(nesterov_momentum());
        run(adagrad());
        run(adadelta());
        run(rmsprop({.centered = true}));
        run(rmsprop());
        run(adam({.amsgrad = true}));
        run(adam());
        run(adamw());
        run(adamax());
        run(nadam());
        run(ftrl());
        run(ftrl({.learning_rate_power = -0.7}));
        run(proximal_gradient_descent());
        run(proximal_adagrad());
        run(adagrad_da());
    }
    template void keep_optimizer_intrinsics_reachable<float>();
    template void keep_optimizer_intrinsics_reachable<double>();
}
