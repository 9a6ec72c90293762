// Static tensors: shapes, ranks and the results of matmul, elementwise multiply, reduce_mean, argmax and
// reshape are all known at compile time, and a shape mistake does not compile (see the comments).
#include <cstdio>
#include <type_traits>

#include <precast/precast.hpp>

using precast::shape;
using precast::tensor;

int main()
{
    const tensor<float, shape<2, 3>> a{{1, 2, 3}, {4, 5, 6}};
    const tensor<float, shape<3, 2>> b{{1, 0}, {0, 1}, {1, 1}};
    static_assert(precast::shape_of<decltype(a)>::rank == 2 && precast::shape_of<decltype(a)>::size == 6);

    const auto product = precast::matmul(a, b);  // [2][3] x [3][2] -> [2][2]
    static_assert(std::is_same_v<precast::shape_of<decltype(product)>, shape<2, 2>>);
    // precast::matmul(a, a);  // error: the number of columns of a must equal the number of rows of b

    const auto squares = precast::multiply(a, a);  // elementwise, same shape
    // precast::multiply(a, b);  // error: elementwise multiplication needs two tensors of the same shape

    const auto column_means = precast::reduce_mean<0>(a);  // [2][3] -> [3]
    const auto row_means = precast::reduce_mean<1>(a);     // [2][3] -> [2]
    static_assert(std::is_same_v<precast::shape_of<decltype(row_means)>, shape<2>>);
    const auto best_column = precast::argmax<1>(a);  // index of each row's largest value
    const auto flat = precast::reshape<shape<6>>(a);
    const auto tall = precast::reshape<shape<3, 2>>(a);
    // precast::reshape<shape<4>>(a);  // error: the new shape must have as many elements as the tensor

    std::printf("a = [[1 2 3] [4 5 6]], shape (2, 3), rank 2\n");
    std::printf("matmul(a, b)    = [[%g %g] [%g %g]]\n", product(0, 0), product(0, 1), product(1, 0), product(1, 1));
    std::printf("multiply(a, a)  = [[%g %g %g] [%g %g %g]]\n", squares(0, 0), squares(0, 1), squares(0, 2), squares(1, 0), squares(1, 1), squares(1, 2));
    std::printf("reduce_mean<0>  = [%g %g %g]\n", column_means(0), column_means(1), column_means(2));
    std::printf("reduce_mean<1>  = [%g %g]\n", row_means(0), row_means(1));
    std::printf("reduce_mean     = %g\n", precast::reduce_mean(a));
    std::printf("argmax<1>       = [%zu %zu]\n", best_column(0), best_column(1));
    std::printf("reshape<6>      = [%g %g %g %g %g %g]\n", flat(0), flat(1), flat(2), flat(3), flat(4), flat(5));
    std::printf("reshape<3, 2>   = [[%g %g] [%g %g] [%g %g]]\n", tall(0, 0), tall(0, 1), tall(1, 0), tall(1, 1), tall(2, 0), tall(2, 1));
    return 0;
}
