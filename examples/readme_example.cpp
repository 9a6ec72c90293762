#include <cstdio>
#include <span>
#include <utility>
#include <precast/precast.hpp>  // or: import precast;

using precast::shape;

int main()
{
    // 512 x 784 floats are 1.5 MiB: auto_storage<> puts them in one aligned heap block, never on the stack.
    precast::tensor_buffer<float, shape<512, 784>> weights(0.5f);
    precast::tensor_buffer<float, shape<784>> input(2.0f);  // 3 KiB: stays inside the object
    static_assert(decltype(weights)::on_heap && !decltype(input)::on_heap);

    const std::span<const float, 784> row_3(&weights(3, 0), 784);
    const float y3 = precast::kernels::dot(row_3, input.span());               // xsimd: 784 x 0.5 x 2
    precast::kernels::axpy(-0.5f, std::as_const(input).span(), input.span());  // input -= 0.5 input
    std::printf("y3 = %g, input[0] = %g, %zu floats per register\n", y3, input[0], precast::kernels::simd_width<float>);
    return y3 == 784.0f && input[0] == 1.0f ? 0 : 1;
}
