#include <array>
#include <cstddef>
#include <type_traits>

#include <gtest/gtest.h>

#include "support/precast_under_test.hpp"

namespace
{
    using precast::shape;

    // The shape vocabulary is compile-time; these static_asserts are the tests (the TEST below only reports them).
    static_assert(shape<7>::rank == 1 && shape<7>::size == 7);
    static_assert(shape<3, 4>::rank == 2 && shape<3, 4>::size == 12);
    static_assert(shape<2, 3, 5>::size == 30);
    static_assert(shape<2, 3, 5>::extent<0>() == 2 && shape<2, 3, 5>::extent<2>() == 5);
    static_assert(shape<2, 3, 5>::extents == std::array<std::size_t, 3>{2, 3, 5});
    static_assert(shape<784, 512>::size == 401408);

    static_assert(precast::static_shape<shape<1>>);
    static_assert(precast::static_shape<shape<4, 4, 4, 4>>);
    static_assert(!precast::static_shape<int>);
    static_assert(!precast::static_shape<std::array<float, 3>>);

    static_assert(std::is_same_v<precast::batched_shape<32, shape<784>>, shape<32, 784>>);
    static_assert(std::is_same_v<precast::batched_shape<1, shape<3, 4>>, shape<1, 3, 4>>);

    TEST(shape, extents_are_available_at_run_time_too)
    {
        constexpr auto extents = shape<2, 3, 5>::extents;
        std::size_t product = 1;
        for (auto e : extents)
        {
            product *= e;
        }
        EXPECT_EQ(product, (shape<2, 3, 5>::size));
    }
}
