#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include <type_traits>

#include <gtest/gtest.h>

#include "support/precast_under_test.hpp"
#include "support/reference.hpp"

namespace
{
    // Every operand layout the dense layer uses, at shapes chosen around the blocking: widths of
    // 1, below one register, one register, one panel of NR = 2 or 3 registers, and beyond; row counts around MR
    // (6 or 8); K around the 256-element block. Compared with a long double triple loop within the rounding bound
    // of a K-term dot product (Higham: gamma_K times the sum of |products|).
    template <class T, std::size_t M, std::size_t N, std::size_t K, bool TransposedA, bool TransposedB>
    void check_gemm(bool accumulate, bool with_bias)
    {
        constexpr std::size_t a_row = TransposedA ? 1 : K, a_col = TransposedA ? M : 1;
        constexpr std::size_t b_row = TransposedB ? 1 : N, b_col = TransposedB ? K : 1;
        constexpr std::size_t ldc = N + 3;  // a padded row stride: the padding must stay untouched
        const auto a = precast_test::random_vector<T>(M * K, M * 1000 + K);
        const auto b = precast_test::random_vector<T>(K * N, N * 1000 + K + 1);
        const auto bias = precast_test::random_vector<T>(N, N + 7);
        auto c = precast_test::random_vector<T>(M * ldc, M + N + K);
        const auto c_before = c;

        using a_layout = std::conditional_t<TransposedA, precast::kernels::transposed<M>, precast::kernels::row_major<K>>;
        using b_layout = std::conditional_t<TransposedB, precast::kernels::transposed<K>, precast::kernels::row_major<N>>;
        static_assert(a_layout::row_stride == a_row && a_layout::col_stride == a_col && b_layout::row_stride == b_row && b_layout::col_stride == b_col);
        precast::kernels::gemm<T, M, N, K, a_layout, b_layout, precast::kernels::row_major<ldc>>(a.data(), b.data(), c.data(), accumulate,
                                                                                                 with_bias ? bias.data() : nullptr);

        const long double u = std::numeric_limits<T>::epsilon() / 2;
        for (std::size_t i = 0; i < M; ++i)
        {
            for (std::size_t j = 0; j < ldc; ++j)
            {
                if (j >= N)
                {
                    ASSERT_EQ(c[i * ldc + j], c_before[i * ldc + j]) << "padding changed at " << i << "," << j;
                    continue;
                }
                long double exact = 0, magnitude = 0;
                for (std::size_t k = 0; k < K; ++k)
                {
                    const long double p = static_cast<long double>(a[i * a_row + k * a_col]) * b[k * b_row + j * b_col];
                    exact += p;
                    magnitude += std::fabs(p);
                }
                for (const long double extra :
                     {with_bias ? static_cast<long double>(bias[j]) : 0.0L, accumulate ? static_cast<long double>(c_before[i * ldc + j]) : 0.0L})
                {
                    exact += extra;
                    magnitude += std::fabs(extra);
                }
                const long double terms = static_cast<long double>(K + 2);
                const long double bound = terms * u / (1 - terms * u) * magnitude;
                ASSERT_LE(std::fabs(static_cast<long double>(c[i * ldc + j]) - exact), bound)
                    << "M=" << M << " N=" << N << " K=" << K << " at " << i << "," << j;
            }
        }
    }

    template <class T, std::size_t M, std::size_t N, std::size_t K>
    void all_layouts()
    {
        check_gemm<T, M, N, K, false, false>(false, false);  // dX = dY W
        check_gemm<T, M, N, K, false, true>(false, true);    // Y = X W^T + b
        check_gemm<T, M, N, K, true, false>(true, false);    // dW = dY^T X, accumulating
    }

    template <class T>
    class gemm_kernel : public ::testing::Test
    {
    };
    using scalar_types = ::testing::Types<float, double>;
    TYPED_TEST_SUITE(gemm_kernel, scalar_types);

    TYPED_TEST(gemm_kernel, matches_the_triple_loop_at_shapes_around_every_block_size)
    {
        using T = TypeParam;
        all_layouts<T, 1, 1, 1>();
        all_layouts<T, 3, 7, 17>();
        all_layouts<T, 8, 16, 33>();
        all_layouts<T, 9, 33, 7>();
        all_layouts<T, 13, 49, 65>();
        all_layouts<T, 33, 1, 255>();
        all_layouts<T, 5, 65, 256>();
        all_layouts<T, 25, 97, 257>();
        all_layouts<T, 2, 10, 784>();
        all_layouts<T, 11, 40, 1100>();  // K in three blocks of 367, 367 and 366
    }
}
