#include <cstddef>
#include <type_traits>

#include <gtest/gtest.h>

#include "support/error_of.hpp"
#include "support/precast_under_test.hpp"

namespace
{
    using precast::shape;
    using precast::tensor;

    using matrix_3x4 = tensor<float, shape<3, 4>>;

    static_assert(precast::static_tensor<matrix_3x4>);
    static_assert(precast::static_tensor<const tensor<double, shape<5>>&>);
    static_assert(!precast::static_tensor<float>);
    static_assert(std::is_same_v<precast::shape_of<matrix_3x4>, shape<3, 4>>);
    static_assert(std::is_same_v<precast::element_of<tensor<double, shape<2>>>, double>);
    static_assert(precast::scalar<float> && precast::scalar<double>);
    static_assert(!precast::scalar<int> && !precast::scalar<long double> && !precast::scalar<const float>);

    // The elements sit in the object (large tensors belong in a tensor_buffer).
    static_assert(sizeof(tensor<float, shape<1000>>) >= 1000 * sizeof(float));

    TEST(tensor, is_row_major_with_static_extents)
    {
        matrix_3x4 m;
        for (std::size_t i = 0; i < 3; ++i)
        {
            for (std::size_t j = 0; j < 4; ++j)
            {
                m(i, j) = static_cast<float>(10 * i + j);
            }
        }
        EXPECT_EQ(m.size(), 12u);
        EXPECT_EQ(m.dimension(), 2u);
        EXPECT_EQ(m.shape()[0], 3u);
        EXPECT_EQ(m.shape()[1], 4u);
        // Row-major: element (i, j) is at flat index 4 i + j.
        EXPECT_EQ(m.data()[1 * 4 + 2], 12.0f);
        EXPECT_EQ(m.data()[2 * 4 + 3], 23.0f);
    }

    // A flat brace list fills any rank in C order, as the nested form does; a list of another length names both
    // counts (instead of xtensor's page of constructor candidates).
    TEST(tensor, a_flat_brace_list_fills_any_rank_in_c_order)
    {
        const precast::tensor<float, precast::shape<2, 3>> flat{1, 2, 3, 4, 5, 6};
        const precast::tensor<float, precast::shape<2, 3>> nested{{1, 2, 3}, {4, 5, 6}};
        for (std::size_t i = 0; i < 2; ++i)
        {
            for (std::size_t j = 0; j < 3; ++j)
            {
                EXPECT_EQ(flat(i, j), nested(i, j));
                EXPECT_EQ(flat(i, j), static_cast<float>(3 * i + j + 1));
            }
        }
        const precast::tensor<double, precast::shape<2, 1, 2>> rank3{1, 2, 3, 4};
        EXPECT_EQ(rank3(1, 0, 0), 3.0);
        static_assert(precast::static_tensor<decltype(flat)> && std::is_same_v<precast::shape_of<decltype(flat)>, precast::shape<2, 3>>);
        EXPECT_EQ(precast_test::error_of([] { precast::tensor<float, precast::shape<2, 3>> t{1, 2, 3, 4, 5}; }),
                  "precast::tensor: 5 values for a tensor of shape [2, 3], which holds 6 (list them flat in C order, or nested row by row)");
    }
}
