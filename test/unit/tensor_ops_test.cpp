#include <cstddef>
#include <type_traits>

#include <gtest/gtest.h>

#include "support/precast_under_test.hpp"

namespace
{
    using precast::shape;
    using precast::tensor;

    static_assert(std::is_same_v<precast::reduced_shape<0, shape<2, 3, 4>>, shape<3, 4>>);
    static_assert(std::is_same_v<precast::reduced_shape<1, shape<2, 3, 4>>, shape<2, 4>>);
    static_assert(std::is_same_v<precast::reduced_shape<2, shape<2, 3, 4>>, shape<2, 3>>);
    static_assert(std::is_same_v<precast::reduced_shape<0, shape<5>>, shape<1>>);

    TEST(tensor_ops, matmul_multiply_reduce_argmax_reshape_on_a_hand_example)
    {
        const tensor<double, shape<2, 3>> a{{1, 2, 3}, {4, 5, 6}};
        const tensor<double, shape<3, 2>> b{{7, 8}, {9, 10}, {11, 12}};
        const auto c = precast::matmul(a, b);  // [[58 64] [139 154]]
        EXPECT_EQ(c(0, 0), 58.0);
        EXPECT_EQ(c(0, 1), 64.0);
        EXPECT_EQ(c(1, 0), 139.0);
        EXPECT_EQ(c(1, 1), 154.0);

        const auto m = precast::multiply(a, a);
        EXPECT_EQ(m(1, 2), 36.0);

        const tensor<double, shape<2, 3, 2>> t{{{1, 2}, {3, 4}, {5, 6}}, {{7, 8}, {9, 10}, {11, 12}}};
        const auto mean1 = precast::reduce_mean<1>(t);  // over the middle axis: [[3 4] [9 10]]
        static_assert(std::is_same_v<precast::shape_of<decltype(mean1)>, shape<2, 2>>);
        EXPECT_EQ(mean1(0, 0), 3.0);
        EXPECT_EQ(mean1(1, 1), 10.0);
        const auto mean0 = precast::reduce_mean<0>(t);  // [[4 5] [6 7] [8 9]]
        EXPECT_EQ(mean0(2, 1), 9.0);
        EXPECT_EQ(precast::reduce_mean(t), 6.5);

        const tensor<float, shape<2, 4>> scores{{0.1f, 0.7f, 0.2f, 0.7f}, {3, -1, 4, 1}};
        const auto best = precast::argmax<1>(scores);
        EXPECT_EQ(best(0), 1u);  // the first of equal maxima
        EXPECT_EQ(best(1), 2u);
        const auto best_rows = precast::argmax<0>(scores);
        EXPECT_EQ(best_rows(0), 1u);
        EXPECT_EQ(best_rows(1), 0u);

        const auto r = precast::reshape<shape<3, 2>>(a);
        EXPECT_EQ(r(1, 0), 3.0);
        EXPECT_EQ(r(2, 1), 6.0);
    }
}
