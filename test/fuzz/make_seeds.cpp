// Writes the fuzz targets' seed inputs (test/fuzz/model_file_corpus, npy_corpus): valid files for their network.
//   clang++-19 -std=c++20 -I src test/fuzz/make_seeds.cpp -o make_seeds && ./make_seeds test/fuzz/model_file_corpus test/fuzz/npy_corpus
#include <precast/io/model_file.hpp>
#include <precast/io/npy.hpp>
#include <precast/precast.hpp>
#include <vector>
int main(int, char** argv)
{
    using net_t = precast::network<precast::input<3>, precast::dense<4>, precast::tanh, precast::dense<2>>;
    net_t net(precast::glorot_uniform{}, 3);
    const std::string m = argv[1], n = argv[2];
    precast::save_model(m + "/plain.precast", net);
    net_t::optimizer_state<precast::adam> state;
    net.apply(precast::adam(), state);
    precast::save_model(m + "/with_adam.precast", net, precast::adam(), state);
    precast::save_npz(n + "/net.npz", net);
    const std::vector<float> f{1, 2, 3, 4, 5, 6};
    const std::vector<std::size_t> shape{2, 3};
    precast::save_npy<float>(n + "/f4.npy", f, shape);
    const std::vector<double> d{1.5, -2};
    const std::vector<std::size_t> shape1{2};
    precast::save_npy<double>(n + "/f8.npy", d, shape1);
}
