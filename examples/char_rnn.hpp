// The character-level RNN the teaching material ends with: vocabulary h, e, l, o; the network reads "hell" one
// character per step (one-hot) and learns to predict the next character at every step, "ello". The recurrent
// layer is one type name, so the same program trains rnn<8>, gru<8> or lstm<8>:
//
//   network<input_of<shape<4, 4>>, Cell, dense<4>>    [steps = 4, one-hot of 4 characters] -> a score per character
//
// Softmax cross-entropy with one label per step; Adam, learning rate 0.01; one sequence per step (batch 1).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include <precast/precast.hpp>

namespace examples
{
    inline constexpr std::array<char, 4> char_rnn_vocabulary{'h', 'e', 'l', 'o'};
    inline constexpr const char* char_rnn_input = "hell";
    inline constexpr const char* char_rnn_target = "ello";

    template <class Cell>
    using char_rnn_network = precast::network<precast::input_of<precast::shape<4, 4>>, Cell, precast::dense<4>>;

    inline precast::label_type char_index(char c)
    {
        for (std::size_t i = 0; i < char_rnn_vocabulary.size(); ++i)
        {
            if (char_rnn_vocabulary[i] == c)
            {
                return static_cast<precast::label_type>(i);
            }
        }
        return 0;
    }

    struct char_rnn_result
    {
        std::string prediction;           // after training
        std::size_t learned_at_step = 0;  // the step from which the prediction read "ello" for good; 0 = never
        double final_loss = 0;
    };

    // Trains Cell for up to max_steps, stopping once the prediction has read "ello" for 20 steps in a row; calls
    // on_step(step, loss, prediction) after every step.
    template <class Cell, class Observer>
    char_rnn_result train_char_rnn(std::uint64_t seed, std::size_t max_steps, Observer&& on_step)
    {
        using net_t = char_rnn_network<Cell>;
        net_t net(precast::glorot_uniform{}, seed);
        precast::trainer<1, net_t, precast::softmax_cross_entropy, precast::adam> t(net, {}, precast::adam(0.01));
        std::array<float, 16> x{};
        std::array<precast::label_type, 4> labels{};
        for (std::size_t step = 0; step < 4; ++step)
        {
            x[step * 4 + char_index(char_rnn_input[step])] = 1.0f;
            labels[step] = char_index(char_rnn_target[step]);
        }
        const auto predicted = [&] {
            const auto y = t.workspace().output();
            std::string s;
            for (std::size_t step = 0; step < 4; ++step)
            {
                std::size_t best = 0;
                for (std::size_t c = 1; c < 4; ++c)
                {
                    best = y(0, step, c) > y(0, step, best) ? c : best;
                }
                s += char_rnn_vocabulary[best];
            }
            return s;
        };
        char_rnn_result r;
        for (std::size_t step = 1; step <= max_steps; ++step)
        {
            r.final_loss = t.step(precast::batch_view<const float, 1, precast::shape<4, 4>>(x.data()), std::span<const precast::label_type, 4>(labels));
            r.prediction = predicted();  // from this step's forward pass, before its update
            on_step(step, r.final_loss, r.prediction);
            if (r.prediction != char_rnn_target)
            {
                r.learned_at_step = 0;
            }
            else if (r.learned_at_step == 0)
            {
                r.learned_at_step = step;
            }
            if (r.learned_at_step != 0 && step + 1 >= r.learned_at_step + 20)
            {
                break;
            }
        }
        (void)net.forward(t.workspace(), precast::mode::inference);
        r.prediction = predicted();
        return r;
    }
}
