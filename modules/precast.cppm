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
    using precast::auto_storage;
    using precast::batched_shape;
    using precast::default_inline_limit;
    using precast::element_of;
    using precast::heap_storage;
    using precast::inline_storage;
    using precast::scalar;
    using precast::shape;
    using precast::shape_of;
    using precast::static_shape;
    using precast::static_tensor;
    using precast::storage_alignment;
    using precast::storage_policy;
    using precast::tensor;
    using precast::tensor_buffer;

    namespace kernels
    {
        using precast::kernels::axpy;
        using precast::kernels::dot;
        using precast::kernels::simd_arch;
        using precast::kernels::simd_arch_name;
        using precast::kernels::simd_batch;
        using precast::kernels::simd_width;
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
