#include <pthread.h>

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include <gtest/gtest.h>

#include "support/precast_under_test.hpp"

namespace
{
    using precast::shape;
    using precast::tensor_buffer;

    template <class Buffer>
    bool is_storage_aligned(const Buffer& b)
    {
        return reinterpret_cast<std::uintptr_t>(b.data()) % precast::storage_alignment == 0;
    }

    // auto_storage<> keeps up to 4096 bytes in the object: a 32x32 float matrix stays, one more column moves out.
    static_assert(!tensor_buffer<float, shape<32, 32>>::on_heap);
    static_assert(tensor_buffer<float, shape<32, 33>>::on_heap);
    static_assert(tensor_buffer<double, shape<32, 32>>::on_heap);
    static_assert(!tensor_buffer<float, shape<784, 512>, precast::inline_storage>::on_heap);
    static_assert(tensor_buffer<float, shape<1>, precast::heap_storage>::on_heap);
    static_assert(!tensor_buffer<float, shape<100>, precast::auto_storage<400>>::on_heap);
    static_assert(tensor_buffer<float, shape<101>, precast::auto_storage<400>>::on_heap);

    static_assert(precast::storage_policy<precast::inline_storage>);
    static_assert(precast::storage_policy<precast::auto_storage<16>>);
    static_assert(!precast::storage_policy<int>);

    // A heap buffer is one pointer; an inline one is its data, padded to the alignment.
    static_assert(sizeof(tensor_buffer<float, shape<784, 512>>) == sizeof(void*));
    static_assert(sizeof(tensor_buffer<float, shape<4>>) == precast::storage_alignment);
    static_assert(tensor_buffer<float, shape<3, 5>>::bytes == 60 && tensor_buffer<float, shape<3, 5>>::size == 15);

    TEST(tensor_buffer, starts_zeroed_and_aligned_inline_and_on_heap)
    {
        tensor_buffer<float, shape<3, 5>> small;
        tensor_buffer<double, shape<33, 65>> large;
        ASSERT_FALSE(small.on_heap);
        ASSERT_TRUE(large.on_heap);
        EXPECT_TRUE(is_storage_aligned(small));
        EXPECT_TRUE(is_storage_aligned(large));
        for (std::size_t i = 0; i < small.size; ++i)
        {
            EXPECT_EQ(small[i], 0.0f);
        }
        for (double x : large.span())
        {
            EXPECT_EQ(x, 0.0);
        }
    }

    TEST(tensor_buffer, fill_and_multi_index_access_agree_with_row_major_layout)
    {
        tensor_buffer<float, shape<40, 30>> b(2.5f);
        EXPECT_EQ(b[0], 2.5f);
        EXPECT_EQ(b[1199], 2.5f);
        b(7, 11) = -1.0f;
        EXPECT_EQ(b[7 * 30 + 11], -1.0f);
        EXPECT_EQ(std::as_const(b)(39, 29), 2.5f);

        // The xtensor view reads and writes the same elements.
        auto view = as_xtensor(b);
        EXPECT_EQ(view.shape()[0], 40u);
        EXPECT_EQ(view.shape()[1], 30u);
        EXPECT_EQ(view(7, 11), -1.0f);
        view(0, 1) = 4.0f;
        EXPECT_EQ(b[1], 4.0f);
    }

    template <class Buffer>
    void check_copy_is_deep()
    {
        Buffer a;
        for (std::size_t i = 0; i < a.size; ++i)
        {
            a[i] = static_cast<typename Buffer::value_type>(i);
        }
        Buffer b = a;
        ASSERT_NE(a.data(), b.data());
        b[3] = -7;
        EXPECT_EQ(a[3], 3);
        EXPECT_EQ(b[3], -7);
        EXPECT_EQ(b[a.size - 1], static_cast<typename Buffer::value_type>(a.size - 1));

        Buffer c;
        c = a;
        EXPECT_EQ(c[5], 5);
        EXPECT_TRUE(is_storage_aligned(c));
    }

    TEST(tensor_buffer, converts_to_and_from_tensor_values)
    {
        precast::tensor<double, shape<2, 3>> value{{1, 2, 3}, {4, 5, 6}};
        tensor_buffer<double, shape<2, 3>, precast::heap_storage> b(value);
        EXPECT_EQ(b(1, 0), 4.0);
        EXPECT_EQ(b[5], 6.0);
        value(0, 0) = -1;
        b = value;
        EXPECT_EQ(b(0, 0), -1.0);
        const auto back = b.to_tensor();
        EXPECT_EQ(back(1, 2), 6.0);
        EXPECT_EQ(back(0, 0), -1.0);
    }

    TEST(tensor_buffer, copies_are_deep)
    {
        check_copy_is_deep<tensor_buffer<float, shape<6>>>();
        check_copy_is_deep<tensor_buffer<double, shape<300, 7>>>();
    }

    TEST(tensor_buffer, move_of_heap_buffer_steals_and_move_assignment_swaps)
    {
        using big = tensor_buffer<float, shape<100, 100>>;
        static_assert(big::on_heap);
        big a(1.0f);
        const float* original = a.data();
        big b = std::move(a);
        EXPECT_EQ(b.data(), original);
        EXPECT_FALSE(a.has_storage());  // NOLINT(bugprone-use-after-move): documented moved-from state

        a = b;  // a moved-from buffer takes a copy and owns storage again
        ASSERT_TRUE(a.has_storage());
        EXPECT_EQ(a[9999], 1.0f);

        big c(3.0f);
        const float* c_data = c.data();
        c = std::move(b);
        EXPECT_EQ(c.data(), original);
        EXPECT_EQ(b.data(), c_data);  // NOLINT(bugprone-use-after-move): assignment swapped
        EXPECT_EQ(b[0], 3.0f);
    }

    // A thread with a 256 KiB stack declares a 1.5 MiB tensor buffer and a network-sized set of them. Stack
    // storage would overflow and crash; tensor_buffer's heap policy must keep all of them off the stack.
    struct mlp_parameters
    {
        tensor_buffer<float, shape<512, 784>> w1;
        tensor_buffer<float, shape<512, 512>> w2;
        tensor_buffer<float, shape<512, 512>> w3;
        tensor_buffer<float, shape<512, 512>> w4;
        tensor_buffer<float, shape<10, 512>> w5;
    };
    static_assert(sizeof(mlp_parameters) <= 5 * sizeof(void*));

    void* use_large_buffers_on_small_stack(void* result)
    {
        tensor_buffer<float, shape<784, 512>> single(1.0f);
        mlp_parameters params;
        params.w4.fill(2.0f);
        float sum = 0.0f;
        for (float x : single.span())
        {
            sum += x;
        }
        *static_cast<float*>(result) = sum + params.w4[512 * 512 - 1] + params.w1[0];
        return nullptr;
    }

    TEST(tensor_buffer, large_static_tensors_do_not_live_on_the_stack)
    {
        pthread_attr_t attributes;
        ASSERT_EQ(pthread_attr_init(&attributes), 0);
        ASSERT_EQ(pthread_attr_setstacksize(&attributes, 256 * 1024), 0);
        float result = 0.0f;
        pthread_t thread;
        ASSERT_EQ(pthread_create(&thread, &attributes, use_large_buffers_on_small_stack, &result), 0);
        ASSERT_EQ(pthread_join(thread, nullptr), 0);
        pthread_attr_destroy(&attributes);
        EXPECT_EQ(result, 784.0f * 512.0f + 2.0f);
    }
}
