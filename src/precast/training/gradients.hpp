// compute_gradients: the loss of a batch and every gradient, without an optimizer step.
//
//   net_t::workspace<4> ws;                 // fill ws.input() with the batch
//   const double loss = precast::compute_gradients(net, ws, precast::mean_squared_error{}, targets);
//   net.at<0>().weight_gradients();         // dLoss/dW of the first layer, laid out as weights()
//   ws.input_gradient();                    // dLoss/dx (asked for with input_gradient = true)
//
// What a trainer's step does before it calls the optimizer: the way to inspect gradients, to check them by
// hand, to sum them over several batches, or to feed an optimizer of your own.
#pragma once

#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

#include <precast/concepts.hpp>
#include <precast/export.hpp>
#include <precast/losses/loss_support.hpp>
#include <precast/network/workspace.hpp>

namespace precast
{
    namespace detail
    {
        template <class Loss, class OutputShape>
        consteval bool check_loss_fits_output()
        {
            static_assert(loss_for<Loss, OutputShape>,
                          "precast: the loss does not fit the network's output: a loss over classes (softmax_cross_entropy, "
                          "softmax_cross_entropy_one_hot, categorical_cross_entropy) needs at least 2 outputs per sample or position, one per "
                          "class. For a yes/no output of 1 value use binary_cross_entropy_with_logits (or sigmoid + binary_cross_entropy); "
                          "for k classes end the network in dense<k>");
            return true;
        }

        template <class Layer>
        consteval bool layer_named(std::string_view name)
        {
            if constexpr (requires { Layer::name; })
            {
                return std::string_view(Layer::name) == name;
            }
            else
            {
                return false;
            }
        }

        // The loss fits the output, and does not apply again what the network's last layer already applied.
        template <class Loss, class Net>
        consteval bool check_loss_fits_network()
        {
            static_assert(check_loss_fits_output<Loss, typename Net::output_shape>());
            using last_layer = typename Net::template layer_type<Net::depth - 1>;
            constexpr std::string_view loss_name = Loss::name;
            static_assert(!(layer_named<last_layer>("softmax") && (loss_name == "softmax_cross_entropy" || loss_name == "softmax_cross_entropy_one_hot")),
                          "precast: softmax twice: the network ends in a softmax layer, and softmax_cross_entropy applies softmax itself "
                          "(it takes logits), so training would learn from softmax(softmax(z)) and end in a worse model. Drop the final "
                          "softmax layer (net.probabilities(x) gives probabilities from the logits), or keep it and train with "
                          "categorical_cross_entropy, which takes probabilities");
            static_assert(!(layer_named<last_layer>("sigmoid") && loss_name == "binary_cross_entropy_with_logits"),
                          "precast: sigmoid twice: the network ends in a sigmoid layer, and binary_cross_entropy_with_logits applies "
                          "sigmoid itself (it takes logits). Drop the final sigmoid layer (net.probabilities(x) gives probabilities from "
                          "the logits), or keep it and train with binary_cross_entropy, which takes probabilities");
            return true;
        }
    }

    // Runs forward (in mode m) on ws.input(), the loss of the first `rows` samples against targets, and backward:
    // afterwards every trainable layer's gradients() (weight_gradients(), bias_gradients(), ...) hold dLoss/d
    // (its parameters), and with input_gradient, ws.input_gradient() holds dLoss/d(input). Returns the loss.
    // Nothing is allocated; the parameters do not change.
    PRECAST_EXPORT template <neural_network Net, class Layers, class InputShape, std::size_t B, loss Loss>
    double compute_gradients(Net& net, network_workspace<Layers, InputShape, B>& ws, const Loss& loss_function,
                             loss_targets<Loss, typename Net::output_shape, B, typename Net::value_type> targets, std::size_t rows = B,
                             bool input_gradient = false, mode m = mode::training)
    {
        static_assert(std::is_same_v<network_workspace<Layers, InputShape, B>, typename Net::template workspace<B>>,
                      "precast::compute_gradients: the workspace belongs to another network type");
        static_assert(detail::check_loss_fits_network<Loss, Net>());
        if (rows == 0 || rows > B)
        {
            throw std::invalid_argument("precast::compute_gradients: rows is " + std::to_string(rows) +
                                        "; it counts the real samples at the top of the batch, from 1 to the batch size " + std::to_string(B));
        }
        constexpr target_kind kind = Loss::targets;
        constexpr std::size_t rows_per_sample = loss_rows_per_sample<kind, typename Net::output_shape>;
        // Batch statistics (batch_norm) over the samples only; later passes see whole batches again.
        constexpr bool counts_rows = requires { net.use_rows(rows); };
        if constexpr (counts_rows)
        {
            net.use_rows(rows);
        }
        const auto y = loss_rows<kind>(net.forward(ws, m));
        if constexpr (counts_rows)
        {
            net.use_rows(B);
        }
        const double value = static_cast<double>(loss_function.value(y, targets, rows * rows_per_sample));
        loss_function.gradient(y, targets, loss_rows<kind>(ws.output_gradient()), rows * rows_per_sample);
        net.backward(ws, input_gradient);
        return value;
    }
}
