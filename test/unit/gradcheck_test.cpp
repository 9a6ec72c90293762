#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/precast_under_test.hpp"

#include "support/broken_layer.hpp"

namespace
{
    using namespace precast;  // NOLINT(google-build-using-namespace): test brevity

    // The checker must be able to fail: a tanh whose backward uses 1 - y instead of 1 - y^2.
    TEST(gradient_check, catches_a_wrong_backward)
    {
        const auto bad = check_layer<precast_test::broken_tanh_layer<double, precast::shape<7>>, 3>({});
        EXPECT_FALSE(bad.passed()) << bad.summary();
        EXPECT_GT(bad.max_error(), 1e-2);
        EXPECT_EQ(bad.worst()->name, "input");

        const auto good = check_layer<tanh_layer<double, precast::shape<7>>, 3>({});
        EXPECT_TRUE(good.passed()) << good.summary();
        EXPECT_LT(good.max_error(), 1e-7);
        EXPECT_EQ(good.elements_checked(), 21u);
    }

    // A dense layer whose weight gradient is off in one element must be caught at that element.
    TEST(gradient_check, names_the_tensor_and_index_of_the_worst_error)
    {
        const auto bad =
            check_layer<precast_test::dense_with_one_wrong_weight_gradient<3, 4, 5>, 2>(precast_test::dense_with_one_wrong_weight_gradient<3, 4, 5>{});
        EXPECT_FALSE(bad.passed());
        EXPECT_EQ(bad.worst()->name, "weights");
        EXPECT_EQ(bad.worst()->worst_index, 5u);
    }

    // Backward must overwrite: a dense layer that accumulates into its parameter gradients passes on zeroed
    // buffers, and must fail here; so must a relu that leaves the zero gradients of negative inputs unwritten.
    TEST(gradient_check, catches_a_backward_that_accumulates_instead_of_overwriting)
    {
        const auto bad = check_layer<precast_test::dense_accumulating_gradients<double, 3, 4>, 2>({});
        EXPECT_FALSE(bad.passed()) << bad.summary();
        ASSERT_NE(bad.not_overwritten(), nullptr);
        EXPECT_EQ(bad.not_overwritten()->name, "weights");
        EXPECT_NE(bad.summary().find("backward did not overwrite weights["), std::string::npos) << bad.summary();

        const auto good = check_layer<dense_layer<double, precast::shape<3>, 4>, 2>({});
        EXPECT_TRUE(good.passed()) << good.summary();
        EXPECT_EQ(good.not_overwritten(), nullptr);
    }

    TEST(gradient_check, catches_a_backward_that_skips_zero_gradients)
    {
        // The default batch has inputs of both signs, so some dx are zero.
        const auto bad = check_layer<precast_test::relu_skipping_zero_gradients<double, 8>, 3>({});
        EXPECT_FALSE(bad.passed()) << bad.summary();
        ASSERT_NE(bad.not_overwritten(), nullptr);
        EXPECT_EQ(bad.not_overwritten()->name, "input");

        const auto good = check_layer<relu_layer<double, precast::shape<8>>, 3>({});
        EXPECT_TRUE(good.passed()) << good.summary();
    }

    TEST(gradient_check, sampled_mode_checks_the_requested_number_of_elements)
    {
        dense_layer<double, precast::shape<33>, 17> l;
        random_engine rng(1);
        l.initialize(glorot_uniform{}, rng);
        gradcheck_options options;
        options.max_elements_per_tensor = 10;
        const auto r = check_layer<decltype(l), 2>(l, options);
        ASSERT_EQ(r.tensors.size(), 3u);  // input, weights, bias
        EXPECT_EQ(r.tensors[0].total, 66u);
        EXPECT_EQ(r.tensors[1].total, 561u);
        EXPECT_EQ(r.tensors[2].total, 17u);
        EXPECT_EQ(r.elements_checked(), 30u);
        EXPECT_TRUE(r.passed()) << r.summary();
    }

    TEST(gradient_check, whole_network_with_every_parameter_tensor)
    {
        using net_t = network<input<3, double>, dense<4>, precast::tanh, dense<3>>;
        const net_t net(glorot_normal{}, 8);
        const double x[] = {0.3, -0.2, 0.9, -0.7, 0.1, 0.4};
        const label_type labels[] = {2, 0};
        const auto r = check_network(net, softmax_cross_entropy{}, matrix_view<const double, 2, 3>(x), std::span<const label_type, 2>(labels));
        EXPECT_TRUE(r.passed()) << r.summary();
        ASSERT_EQ(r.tensors.size(), 5u);
        EXPECT_EQ(r.tensors[1].name, "layer 1 dense weights");
        EXPECT_EQ(r.tensors[4].name, "layer 3 dense bias");
        EXPECT_EQ(r.elements_checked(), 6u + 12u + 4u + 12u + 3u);  // input, then weights and bias of 3->4 and 4->3
    }
}
