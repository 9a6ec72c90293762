#include <cstddef>
#include <type_traits>

#include <gtest/gtest.h>

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
}
