// rnn, gru and lstm against PyTorch (test/reference/recurrent_reference.py wrote test/data/recurrent_reference.txt,
// float64): the output and the gradient of sum(y * r) with respect to every parameter and the input, from a
// non-zero initial state; the forget-bias option against PyTorch with b_hf raised by it; truncated BPTT (a
// stateful layer over consecutive windows) against PyTorch carrying the detached final state.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/precast_under_test.hpp"

namespace
{
    struct reference_case
    {
        std::string kind;
        std::map<std::string, std::vector<double>> arrays;

        [[nodiscard]] const std::vector<double>& operator[](const std::string& name) const
        {
            const auto it = arrays.find(name);
            if (it == arrays.end())
            {
                throw std::runtime_error("recurrent_reference.txt: no array " + name);
            }
            return it->second;
        }
    };

    std::map<std::string, reference_case> load_reference()
    {
        std::ifstream in(std::string(PRECAST_TEST_DATA_DIR) + "/recurrent_reference.txt");
        if (!in)
        {
            throw std::runtime_error("cannot open recurrent_reference.txt");
        }
        std::map<std::string, reference_case> cases;
        reference_case* current = nullptr;
        std::string line;
        while (std::getline(in, line))
        {
            if (line.empty() || line[0] == '#')
            {
                continue;
            }
            std::istringstream header(line);
            std::string word;
            header >> word;
            if (word == "case")
            {
                std::string name;
                header >> name;
                current = &cases[name];
                header >> current->kind;
                continue;
            }
            std::size_t count = 0;
            header >> count;
            std::string values_line;
            std::getline(in, values_line);
            std::istringstream values(values_line);
            std::vector<double> v(count);
            for (double& x : v)
            {
                values >> x;
            }
            if (!values || current == nullptr)
            {
                throw std::runtime_error("recurrent_reference.txt: malformed array " + word);
            }
            current->arrays[word] = std::move(v);
        }
        return cases;
    }

    const reference_case& reference(const std::string& name)
    {
        static const std::map<std::string, reference_case> cases = load_reference();
        return cases.at(name);
    }

    template <class Span>
    void expect_close(const Span& actual, const std::vector<double>& expected, const char* what, double tolerance = 1e-12)
    {
        ASSERT_EQ(actual.size(), expected.size()) << what;
        double worst = 0;
        std::size_t worst_at = 0;
        for (std::size_t i = 0; i < expected.size(); ++i)
        {
            const double error = std::fabs(static_cast<double>(actual[i]) - expected[i]) / std::max(1.0, std::fabs(expected[i]));
            if (!(error <= worst))
            {
                worst = error;
                worst_at = i;
            }
        }
        EXPECT_LE(worst, tolerance) << what << "[" << worst_at << "]: " << actual[worst_at] << " vs PyTorch " << expected[worst_at];
    }

    // Runs the case's windows through layer L (B samples) and compares the last window's output and gradients.
    template <class L, std::size_t B>
    void check_against_pytorch(const std::string& name, std::size_t windows = 1)
    {
        const reference_case& c = reference(name);
        using T = typename L::value_type;
        constexpr std::size_t In = L::input_shape::size;
        constexpr std::size_t Out = L::output_shape::size;
        L layer;
        const auto copy_into = [](const std::vector<double>& from, auto to) {
            ASSERT_EQ(from.size(), to.size());
            std::copy(from.begin(), from.end(), to.begin());
        };
        copy_into(c["weight_ih"], std::span<T>(layer.parameters().data() + L::weight_ih_offset, c["weight_ih"].size()));
        copy_into(c["weight_hh"], std::span<T>(layer.parameters().data() + L::weight_hh_offset, c["weight_hh"].size()));
        copy_into(c["bias_ih"], layer.bias_ih());
        copy_into(c["bias_hh"], layer.bias_hh());

        typename L::template workspace<B> ws{};
        copy_into(c["h0"], ws.initial_state().flat());
        if constexpr (L::has_cell_state)
        {
            copy_into(c["c0"], ws.initial_cell_state().flat());
        }
        std::vector<T> x(B * In);
        std::vector<T> y(B * Out);
        for (std::size_t w = 0; w < windows; ++w)
        {
            copy_into(c["x" + std::to_string(w)], std::span<T>(x));
            layer.forward(precast::batch_view<const T, B, typename L::input_shape>(x.data()), precast::batch_view<T, B, typename L::output_shape>(y.data()), ws,
                          precast::mode::training);
        }
        expect_close(std::span<const T>(y), c["y"], "y");

        std::vector<T> r(c["r"].begin(), c["r"].end());
        std::vector<T> dx(B * In);
        layer.backward(precast::batch_view<const T, B, typename L::input_shape>(x.data()), precast::batch_view<const T, B, typename L::output_shape>(y.data()),
                       precast::batch_view<const T, B, typename L::output_shape>(r.data()), precast::batch_view<T, B, typename L::input_shape>(dx.data()), ws);
        const T* g = layer.gradients().data();
        expect_close(std::span<const T>(g + L::weight_ih_offset, c["d_weight_ih"].size()), c["d_weight_ih"], "d weight_ih");
        expect_close(std::span<const T>(g + L::weight_hh_offset, c["d_weight_hh"].size()), c["d_weight_hh"], "d weight_hh");
        expect_close(std::span<const T>(g + L::bias_ih_offset, c["d_bias_ih"].size()), c["d_bias_ih"], "d bias_ih");
        expect_close(std::span<const T>(g + L::bias_hh_offset, c["d_bias_hh"].size()), c["d_bias_hh"], "d bias_hh");
        expect_close(std::span<const T>(dx), c["dx"], "dx");
    }

    using precast::sequence_output;
    using precast::shape;

    TEST(RecurrentAgainstPyTorch, RnnTanhEveryStepFromAGivenState)
    {
        check_against_pytorch<precast::rnn_layer<double, shape<3, 5>, 4>, 2>("rnn_tanh");
    }
    TEST(RecurrentAgainstPyTorch, RnnReluLastStep)
    {
        check_against_pytorch<precast::rnn_layer<double, shape<4, 3>, 5, precast::relu_function, sequence_output::last_step>, 2>("rnn_relu_last");
    }
    TEST(RecurrentAgainstPyTorch, GruEveryStepFromAGivenState)
    {
        check_against_pytorch<precast::gru_layer<double, shape<7, 3>, 5>, 4>("gru");  // per-step products by the GEMM
    }
    TEST(RecurrentAgainstPyTorch, GruLastStepOneSample)
    {
        check_against_pytorch<precast::gru_layer<double, shape<3, 17>, 3, sequence_output::last_step>, 1>("gru_last");
    }
    // TensorFlow 1's GRUCell, written out with torch operations in the script (PyTorch has no such module).
    TEST(RecurrentAgainstPyTorch, GruResetBeforeIsTensorFlow1sCell)
    {
        check_against_pytorch<precast::gru_layer<double, shape<5, 3>, 4, sequence_output::every_step, false, true>, 2>("gru_reset_before");
        check_against_pytorch<precast::gru_layer<double, shape<3, 5>, 17, sequence_output::every_step, false, true>, 4>("gru_reset_before_gemm");
    }
    TEST(RecurrentAgainstPyTorch, LstmEveryStepFromAGivenState)
    {
        check_against_pytorch<precast::lstm_layer<double, shape<7, 5>, 17>, 2>("lstm");
    }
    TEST(RecurrentAgainstPyTorch, LstmLastStepOfOneStep)
    {
        check_against_pytorch<precast::lstm_layer<double, shape<1, 1>, 3, sequence_output::last_step>, 3>("lstm_last");
    }
    TEST(RecurrentAgainstPyTorch, LstmForgetBiasIsPyTorchWithTheForgetBiasRaised)
    {
        check_against_pytorch<precast::lstm_layer<double, shape<3, 3>, 5, sequence_output::every_step, false, 1.0>, 2>("lstm_forget_bias");
    }
    TEST(RecurrentAgainstPyTorch, StatefulLstmIsTruncatedBackpropagationThroughTime)
    {
        check_against_pytorch<precast::lstm_layer<double, shape<4, 3>, 5, sequence_output::every_step, true>, 5>("lstm_stateful", 2);
    }
    TEST(RecurrentAgainstPyTorch, StatefulGruOverThreeWindows)
    {
        check_against_pytorch<precast::gru_layer<double, shape<3, 2>, 3, sequence_output::every_step, true>, 2>("gru_stateful", 3);
    }
    TEST(RecurrentAgainstPyTorch, WithoutStatefulEachWindowStartsAfresh)
    {
        // The same windows through a layer without `stateful`: the last window alone, from zeros, is not what
        // PyTorch computed with the carried state.
        const reference_case& c = reference("lstm_stateful");
        using L = precast::lstm_layer<double, shape<4, 3>, 5>;
        L layer;
        std::copy(c["weight_ih"].begin(), c["weight_ih"].end(), layer.parameters().data() + L::weight_ih_offset);
        std::copy(c["weight_hh"].begin(), c["weight_hh"].end(), layer.parameters().data() + L::weight_hh_offset);
        std::copy(c["bias_ih"].begin(), c["bias_ih"].end(), layer.bias_ih().begin());
        std::copy(c["bias_hh"].begin(), c["bias_hh"].end(), layer.bias_hh().begin());
        L::workspace<2> ws{};
        std::vector<double> y(2 * 4 * 5);
        for (int w = 0; w < 2; ++w)
        {
            layer.forward(precast::batch_view<const double, 2, shape<4, 3>>(c["x" + std::to_string(w)].data()),
                          precast::batch_view<double, 2, shape<4, 5>>(y.data()), ws, precast::mode::training);
        }
        double difference = 0;
        for (std::size_t i = 0; i < y.size(); ++i)
        {
            difference = std::max(difference, std::fabs(y[i] - c["y"][i]));
        }
        EXPECT_GT(difference, 1e-3);
    }
}
