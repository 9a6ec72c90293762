// The C++20 named module `precast`.
//
// Headers are the single source of truth. They are included in the global module fragment, so their entities
// stay attached to the global module, and this unit re-exports them by name. A program may therefore
// `#include <precast/precast.hpp>` in one file and `import precast;` in another: both name the same entities
// (no ODR split, one symbol each). Adding a public name to a header means adding it here too; the test suite
// compiles every test once with #include and once with import, so a missing name fails the module build.
module;

#include <precast/precast.hpp>

export module precast;

export namespace precast
{
    // config.hpp
    using precast::version;
    using precast::version_info;

    // core/
    using precast::argmax;
    using precast::auto_storage;
    using precast::batched_shape;
    using precast::default_inline_limit;
    using precast::denormal_scope;
    using precast::flush_denormals;
    using precast::set_flush_denormals;
    using precast::element_of;
    using precast::heap_storage;
    using precast::inline_storage;
    using precast::matmul;
    using precast::parallel_work_threshold;
    using precast::set_threads;
    using precast::threading_available;
    using precast::threads;
    using precast::matrix_view;
    using precast::batch_view;
    using precast::last_extent;
    using precast::leading_size;
    using precast::with_last_extent;
    using precast::mode;
    using precast::multiply;
    using precast::random_engine;
    using precast::reduce_mean;
    using precast::reduced_shape;
    using precast::reshape;
    using precast::scalar;
    using precast::shape;
    using precast::shape_of;
    using precast::static_shape;
    using precast::static_tensor;
    using precast::storage_alignment;
    using precast::storage_policy;
    using precast::tensor;
    using precast::tensor_buffer;

    // concepts.hpp
    using precast::initializer;
    using precast::label_type;
    using precast::layer;
    using precast::layer_backward;
    using precast::layer_forward;
    using precast::layer_shapes;
    using precast::layer_input;
    using precast::layer_output;
    using precast::layer_spec_for;
    using precast::named;
    using precast::seeded_layer;
    using precast::layer_with_cost;
    using precast::epilogue_layer;
    using precast::fusable_activation;
    using precast::frozen_form;
    using precast::workspace_bytes_of;
    using precast::loss_with_decisions;
    using precast::saveable_state;
    using precast::decision_count;
    using precast::ignore_label;
    using precast::max_parameter_rank;
    using precast::layer_spec;
    using precast::layer_workspace;
    using precast::loss;
    using precast::loss_gradient;
    using precast::loss_value;
    using precast::optimizer;
    using precast::optimizer_for;
    using precast::adjusts_step_context;
    using precast::parameter_tensor;
    using precast::target_batch;
    using precast::target_kind;
    using precast::trainable_layer;

    // initializers.hpp
    using precast::constant;
    using precast::glorot_normal;
    using precast::glorot_uniform;
    using precast::he_normal;
    using precast::he_uniform;
    using precast::lecun_normal;
    using precast::normal;
    using precast::truncated_normal;
    using precast::uniform;
    using precast::xavier_normal;
    using precast::xavier_uniform;
    using precast::zeros;

    // layers/
    using precast::activation_layer;
    using precast::dense;
    using precast::dense_layer;
    using precast::dropout;
    using precast::dropout_layer;
    using precast::elu;
    using precast::elu_function;
    using precast::elu_layer;
    using precast::identity;
    using precast::identity_function;
    using precast::identity_layer;
    using precast::leaky_relu;
    using precast::leaky_relu_function;
    using precast::leaky_relu_layer;
    using precast::no_bias;
    using precast::no_workspace;
    using precast::relu;
    using precast::relu_function;
    using precast::relu_layer;
    using precast::reshape_layer;
    using precast::reshape_to;
    using precast::flatten;
    using precast::sigmoid;
    using precast::sigmoid_function;
    using precast::sigmoid_layer;
    using precast::softmax;
    using precast::softmax_layer;
    using precast::tanh;
    using precast::tanh_function;
    using precast::tanh_layer;
    using precast::with_bias;

    // losses/
    using precast::binary_cross_entropy;
    using precast::binary_cross_entropy_with_logits;
    using precast::categorical_cross_entropy;
    using precast::half_sum_squared_error;
    using precast::mean_squared_error;
    using precast::softmax_cross_entropy;
    using precast::softmax_cross_entropy_one_hot;
    using precast::loss_rows;
    using precast::loss_rows_per_sample;
    using precast::loss_row_size;
    using precast::loss_targets;

    // optimizers/
    using precast::adadelta;
    using precast::any_optimizer;
    using precast::adagrad;
    using precast::adagrad_da;
    using precast::adam;
    using precast::adamax;
    using precast::adamw;
    using precast::ftrl;
    using precast::gradient_descent;
    using precast::save_model;
    using precast::load_model;
    using precast::model_file_error;
    using precast::architecture_fingerprint;
    using precast::architecture_fingerprint_v1;
    using precast::crc32;
    using precast::npy_array;
    using precast::npy_error;
    using precast::save_npy;
    using precast::load_npy;
    using precast::save_npz;
    using precast::load_npz;
    using precast::momentum;
    using precast::nadam;
    using precast::nesterov_momentum;
    using precast::proximal_adagrad;
    using precast::proximal_gradient_descent;
    using precast::rmsprop;
    using precast::convention;
    using precast::step_context;
    using precast::no_optimizer_state;
    using precast::learning_rate_schedule;
    using precast::constant_schedule;
    using precast::step_decay;
    using precast::exponential_decay;
    using precast::cosine_decay;
    using precast::linear_warmup;
    using precast::scheduled;
    using precast::clip_by_value;
    using precast::clip_by_global_norm;

    // network/
    using precast::frozen_network;
    using precast::input;
    using precast::input_of;
    using precast::network;
    using precast::network_workspace;
    using precast::network_optimizer_state;

    // gradcheck/
    using precast::check_layer;
    using precast::check_loss;
    using precast::check_network;
    using precast::gradcheck_options;
    using precast::gradcheck_result;
    using precast::gradcheck_tensor_result;

    // training/
    using precast::batch_report;
    using precast::dataset;
    using precast::epoch_report;
    using precast::evaluation;
    using precast::fit_options;
    using precast::trainer;
    using precast::training_error;

    namespace kernels
    {
        using precast::kernels::axpy;
        using precast::kernels::dot;
        using precast::kernels::gemm;
        using precast::kernels::gemm_blocking;
        using precast::kernels::gemm_epilogue;
        using precast::kernels::no_epilogue;
        using precast::kernels::apply_epilogue;
        using precast::kernels::simd_arch;
        using precast::kernels::simd_arch_name;
        using precast::kernels::simd_batch;
        using precast::kernels::simd_width;
        using precast::kernels::padded_size;
        using precast::kernels::span_elements_of_one_scalar;
    }
}

// Clang drops global-module-fragment declarations that nothing in the purview uses, among them the intrinsics
// xsimd's templates call. Instantiating each kernel here keeps them reachable for importers, which instantiate
// the same templates at their own sizes.
template float precast::kernels::dot<float>(const float*, const float*, std::size_t) noexcept;
template double precast::kernels::dot<double>(const double*, const double*, std::size_t) noexcept;
template void precast::kernels::axpy<float>(float, const float*, float*, std::size_t) noexcept;
template void precast::kernels::axpy<double>(double, const double*, double*, std::size_t) noexcept;
// GEMMs per element type, with full and partial tiles, cover the aligned loads and stores and the broadcasts; the
// second, with a transposed B wider and deeper than a register, the in-register transpose of the packing.
template void precast::kernels::gemm<float, 9, 33, 3, 3, 1, 33, 1, 33>(const float*, const float*, float*, bool, const float*,
                                                                        const precast::kernels::no_epilogue&) noexcept;
template void precast::kernels::gemm<double, 9, 33, 3, 3, 1, 33, 1, 33>(const double*, const double*, double*, bool, const double*,
                                                                         const precast::kernels::no_epilogue&) noexcept;
template void precast::kernels::gemm<float, 9, 33, 17, 17, 1, 1, 17, 33>(const float*, const float*, float*, bool, const float*,
                                                                          const precast::kernels::no_epilogue&) noexcept;
template void precast::kernels::gemm<double, 9, 33, 17, 17, 1, 1, 17, 33>(const double*, const double*, double*, bool, const double*,
                                                                           const precast::kernels::no_epilogue&) noexcept;

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
    }
    template void keep_activation_intrinsics_reachable<float>();
    template void keep_activation_intrinsics_reachable<double>();
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
