// A network against a case written by a script in test/reference/ (python3-torch, float64): the parameters and
// running statistics ("before") come from PyTorch, one pass in the given mode (after `earlier` training passes on
// x0, x1, ...), then y, every gradient of sum(y * r), the input gradient and the statistics after, each within
// the tolerance.
#pragma once

#include <algorithm>
#include <cstddef>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/reference_file.hpp"

#include "support/precast_under_test.hpp"

namespace precast_test
{
    class reference_arrays
    {
    public:
        explicit reference_arrays(std::string file) : file_(std::move(file)), arrays_(read_reference(std::string(PRECAST_TEST_DATA_DIR) + "/" + file_)) {}

        [[nodiscard]] const std::vector<double>& operator[](const std::string& name) const
        {
            const auto found = arrays_.find(name);
            if (found == arrays_.end())
            {
                throw std::runtime_error(file_ + " has no " + name);
            }
            return found->second;
        }
        [[nodiscard]] bool contains(const std::string& name) const { return arrays_.contains(name); }

    private:
        std::string file_;
        std::map<std::string, std::vector<double>> arrays_;
    };

    // "0.weights" -> "0.weight", "0.slopes" -> "0.weight": PyTorch's names for the same tensors.
    inline std::string pytorch_name(std::string name)
    {
        for (const std::string ours : {"weights", "slopes"})
        {
            if (name.ends_with("." + ours))
            {
                name.replace(name.size() - ours.size(), ours.size(), "weight");
            }
        }
        return name;
    }

    template <class Net, std::size_t B>
    void matches_pytorch(const reference_arrays& reference, const std::string& name, precast::mode m = precast::mode::training, double tolerance = 1e-12,
                         std::size_t earlier = 0)
    {
        using precast::parameter_tensor;
        Net net;
        if constexpr (Net::parameter_count > 0)
        {
            std::size_t loaded = 0;
            for (const parameter_tensor& t : Net::parameter_table)
            {
                const auto& values = reference[name + "." + pytorch_name(t.name)];
                ASSERT_EQ(values.size(), t.size()) << name << ": " << t.name;
                std::copy(values.begin(), values.end(), net.parameters().data() + t.offset);
                loaded += values.size();
            }
            ASSERT_EQ(loaded, Net::parameter_count);
        }
        if constexpr (Net::statistic_count > 0)
        {
            for (const parameter_tensor& t : Net::statistic_table)
            {
                if (t.rank > 0)
                {
                    const auto& values = reference[name + "." + t.name + ".before"];
                    std::copy(values.begin(), values.end(), net.statistics().data() + t.offset);
                }
            }
        }
        auto ws = std::make_unique<typename Net::template workspace<B>>();
        for (std::size_t pass = 0; pass < earlier; ++pass)
        {
            const auto& x = reference[name + ".x" + std::to_string(pass)];
            std::copy(x.begin(), x.end(), ws->input().data());
            net.forward(*ws, precast::mode::training);
        }
        const auto& x = reference[name + ".x"];
        ASSERT_EQ(x.size(), B * Net::input_size) << name;
        std::copy(x.begin(), x.end(), ws->input().data());
        const auto y = net.forward(*ws, m);
        const auto& expected_y = reference[name + ".y"];
        ASSERT_EQ(expected_y.size(), B * Net::output_size) << name;
        for (std::size_t i = 0; i < expected_y.size(); ++i)
        {
            EXPECT_NEAR(y.data()[i], expected_y[i], tolerance) << name << ": y[" << i << "]";
        }
        const auto& r = reference[name + ".r"];
        std::copy(r.begin(), r.end(), ws->output_gradient().data());
        net.backward(*ws, true);
        if constexpr (Net::parameter_count > 0)
        {
            for (const parameter_tensor& t : Net::parameter_table)
            {
                const auto& expected = reference[name + "." + pytorch_name(t.name) + ".grad"];
                for (std::size_t i = 0; i < t.size(); ++i)
                {
                    EXPECT_NEAR(net.gradients()[t.offset + i], expected[i], tolerance) << name << ": " << t.name << "[" << i << "]";
                }
            }
        }
        if constexpr (!Net::takes_token_ids)  // token ids have no gradient
        {
            const auto& dx = reference[name + ".x.grad"];
            for (std::size_t i = 0; i < dx.size(); ++i)
            {
                EXPECT_NEAR(ws->input_gradient().data()[i], dx[i], tolerance) << name << ": dx[" << i << "]";
            }
        }
        if constexpr (Net::statistic_count > 0)
        {
            for (const parameter_tensor& t : Net::statistic_table)
            {
                const auto& expected = reference[name + "." + t.name];
                for (std::size_t i = 0; i < t.size(); ++i)
                {
                    EXPECT_NEAR(net.statistics()[t.offset + i], expected[i], tolerance) << name << ": " << t.name << "[" << i << "]";
                }
            }
        }
    }
}
