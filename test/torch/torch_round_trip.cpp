// precast's half of the PyTorch round trip (test/torch/round_trip.py drives it):
//   torch_round_trip types          prints each model's network type, to compare with what precast_torch prints
//   torch_round_trip forward <dir>  loads <name>.torch.npz (a PyTorch-trained model, converted), runs it on
//                                   <name>.input.npz, writes <name>.precast_output.npz
//   torch_round_trip train <dir>    trains each network from a seed on <name>.input.npz, writes the parameters to
//                                   <name>.precast.npz and the trained network's outputs to <name>.trained_output.npz
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <precast/io/npy.hpp>
#include <precast/precast.hpp>

// The types as text too (stringized), so the driver can check that the converter prints exactly these.
#define MLP_NETWORK                                                                                                                                            \
    precast::network<precast::input<6>, precast::dense<16>, precast::relu, precast::dropout<0.1>, precast::dense<12>, precast::leaky_relu<0.2>,                \
                     precast::dense<8>, precast::elu<>, precast::dense<5, precast::no_bias>, precast::sigmoid, precast::dense<3>, precast::softmax>
#define SEQUENCE_NETWORK                                                                                                                                       \
    precast::network<precast::input_of<precast::shape<7, 5>>, precast::lstm<12>, precast::lstm<12>, precast::gru<10>, precast::rnn<8, precast::relu>,          \
                     precast::dense<4>>
#define LAST_STEP_NETWORK                                                                                                                                      \
    precast::network<precast::input_of<precast::shape<5, 3>, double>, precast::lstm<6, precast::last_step>, precast::dense<2>, precast::tanh>
#define CNN_NETWORK                                                                                                                                            \
    precast::network<precast::input_of<precast::shape<8, 10, 2>>, precast::conv2d<6, 3, precast::padding<1>, precast::no_bias>, precast::batch_norm<>,         \
                     precast::relu, precast::max_pool2d<2>,                                                                                                    \
                     precast::conv2d<8, precast::window{2, 3}, precast::stride<1, 2>, precast::groups<2>, precast::no_bias>,                                   \
                     precast::prelu<precast::per_channel>, precast::avg_pool2d<2, precast::stride<1>, precast::padding<1>, precast::exclude_padding>,          \
                     precast::flatten, precast::dense<3>>
#define TCN_NETWORK                                                                                                                                            \
    precast::network<precast::input_of<precast::shape<12, 3>, double>, precast::conv1d<4, 3, precast::causal>, precast::tanh,                                  \
                     precast::conv1d<4, 3, precast::causal, precast::dilation<2>, precast::groups<2>>,                                                         \
                     precast::batch_norm<precast::epsilon<0.001>, precast::statistics_momentum<0.01>>, precast::upsample<2>, precast::max_pool1d<2>,           \
                     precast::conv_transpose1d<4, 3, precast::stride<2>, precast::padding<1>, precast::output_padding<1>>, precast::conv1d<2, 1>,              \
                     precast::global_avg_pool, precast::dense<2>>
// clang-format off: the stringized type must read as precast_torch prints it ("network<precast::tokens", no space)
#define GPT_NETWORK                                                                                                                       \
    precast::network<precast::tokens<6, 11>, precast::embedding<11, 8, precast::padding_id<0>>, precast::position_embedding<>,          \
                     precast::residual<precast::layer_norm<>, precast::multi_head_attention<2, precast::causal>>,                         \
                     precast::residual<precast::layer_norm<precast::epsilon<1e-06>>, precast::dense<32>,                                  \
                                       precast::gelu<precast::tanh_approximation>, precast::dense<8>>,                                    \
                     precast::residual<precast::rms_norm<>, precast::multi_head_attention<4, precast::causal, precast::no_bias>>,         \
                     precast::layer_norm<>, precast::dense<11>, precast::silu>
// clang-format on
#define STRINGIZE(...) #__VA_ARGS__
#define TEXT(...) STRINGIZE(__VA_ARGS__)

namespace
{
    constexpr std::size_t batch = 4;

    template <class Net>
    using input_batch = precast::batch_view<const typename Net::value_type, batch, typename Net::input_shape>;

    template <class Net>
    std::vector<typename Net::value_type> read_input(const std::filesystem::path& dir, const std::string& name)
    {
        using T = typename Net::value_type;
        auto arrays = precast::load_npz_arrays<T>(dir / (name + ".input.npz"));
        const auto found = arrays.find("x");
        if (found == arrays.end() || found->second.values.size() != batch * Net::input_size)
        {
            throw std::runtime_error(name + ".input.npz: no array x of " + std::to_string(batch * Net::input_size) + " values");
        }
        return found->second.values;
    }

    template <class Net>
    void write_output(const std::filesystem::path& path, Net& net, const std::vector<typename Net::value_type>& x)
    {
        using T = typename Net::value_type;
        auto ws = std::make_unique<typename Net::template workspace<batch>>();
        const auto y = net.forward(input_batch<Net>(x.data()), *ws);
        precast::npy_array<T> out;
        out.shape = {batch, Net::output_size};
        out.values.assign(y.data(), y.data() + batch * Net::output_size);
        precast::save_npz<T>(path, {{"y", out}});
    }

    template <class Net>
    void forward(const std::filesystem::path& dir, const std::string& name)
    {
        auto net = std::make_unique<Net>();
        precast::load_npz(dir / (name + ".torch.npz"), *net);
        write_output(dir / (name + ".precast_output.npz"), *net, read_input<Net>(dir, name));
    }

    // A few Adam steps towards sin of the inputs' sum: enough to move every parameter away from its seed.
    template <class Net>
    void train(const std::filesystem::path& dir, const std::string& name)
    {
        using T = typename Net::value_type;
        auto net = std::make_unique<Net>(precast::glorot_uniform{}, 7);
        const auto x = read_input<Net>(dir, name);
        std::vector<T> targets(batch * Net::output_size);
        for (std::size_t i = 0; i < targets.size(); ++i)
        {
            targets[i] = static_cast<T>(0.4 * std::sin(static_cast<double>(x[i % x.size()]) + static_cast<double>(i)));
        }
        auto trainer = std::make_unique<precast::trainer<batch, Net, precast::mean_squared_error, precast::adam>>(*net, precast::mean_squared_error{},
                                                                                                                  precast::adam(0.01));
        const precast::matrix_view<const T, batch, Net::output_size> y(targets.data());
        for (int step = 0; step < 25; ++step)
        {
            static_cast<void>(trainer->step(input_batch<Net>(x.data()), y));
        }
        precast::save_npz(dir / (name + ".precast.npz"), *net);
        write_output(dir / (name + ".trained_output.npz"), *net, x);
    }
}

int main(int argc, char** argv)
{
    try
    {
        const std::string_view mode = argc > 1 ? argv[1] : "";
        if (mode == "types")
        {
            std::printf("mlp %s\nsequence %s\nlast_step %s\ncnn %s\ntcn %s\ngpt %s\n", TEXT(MLP_NETWORK), TEXT(SEQUENCE_NETWORK), TEXT(LAST_STEP_NETWORK),
                        TEXT(CNN_NETWORK), TEXT(TCN_NETWORK), TEXT(GPT_NETWORK));
            return 0;
        }
        if ((mode != "forward" && mode != "train") || argc != 3)
        {
            std::fprintf(stderr, "usage: %s types | forward <dir> | train <dir>\n", argv[0]);
            return 2;
        }
        const std::filesystem::path dir = argv[2];
        if (mode == "forward")
        {
            forward<MLP_NETWORK>(dir, "mlp");
            forward<SEQUENCE_NETWORK>(dir, "sequence");
            forward<LAST_STEP_NETWORK>(dir, "last_step");
            forward<CNN_NETWORK>(dir, "cnn");
            forward<TCN_NETWORK>(dir, "tcn");
            forward<GPT_NETWORK>(dir, "gpt");
        }
        else
        {
            train<MLP_NETWORK>(dir, "mlp");
            train<SEQUENCE_NETWORK>(dir, "sequence");
            train<LAST_STEP_NETWORK>(dir, "last_step");
            train<CNN_NETWORK>(dir, "cnn");
            train<TCN_NETWORK>(dir, "tcn");
            train<GPT_NETWORK>(dir, "gpt");
        }
        return 0;
    }
    catch (const std::exception& e)
    {
        std::fprintf(stderr, "torch_round_trip: %s\n", e.what());
        return 1;
    }
}
