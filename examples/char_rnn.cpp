// The character-level RNN: "hell" in, "ello" out, with a vanilla RNN, a GRU and an LSTM (char_rnn.hpp).
#include <cstdio>
#include <cstdlib>
#include <string>

#include "char_rnn.hpp"

template <class Cell>
bool learn(const char* title)
{
    std::printf("%s: network<input_of<shape<4, 4>>, %s, dense<4>>, Adam 0.01, seed 1\n", title, title);
    std::string shown;
    const auto r = examples::train_char_rnn<Cell>(1, 1000, [&](std::size_t step, double loss, const std::string& prediction) {
        if (prediction != shown)  // print the prediction each time it changes
        {
            std::printf("  step %4zu  loss %.4f  hell -> %s\n", step, loss, prediction.c_str());
            shown = prediction;
        }
    });
    std::printf("  trained: hell -> %s (right from step %zu on, loss %.4f)\n\n", r.prediction.c_str(), r.learned_at_step, r.final_loss);
    return r.prediction == examples::char_rnn_target;
}

int main()
{
    bool all = true;
    all &= learn<precast::rnn<8>>("rnn<8>");
    all &= learn<precast::gru<8>>("gru<8>");
    all &= learn<precast::lstm<8>>("lstm<8>");
    return all ? EXIT_SUCCESS : EXIT_FAILURE;
}
