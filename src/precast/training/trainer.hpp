// trainer<B, Net, Loss, Optimizer>: mini-batch training of a network with a loss and an optimizer.
//
//   precast::trainer<32, mlp, precast::softmax_cross_entropy, precast::gradient_descent> t(net, {}, precast::gradient_descent(0.1));
//   auto history = t.fit(train_set, {.epochs = 10, .seed = 1, .validation = validation_set}, observer);
//   t.fit(train_set, {.epochs = 100, .validation = validation_set, .stop_early = {.patience = 5}, .restore_best = true});
//
// Batches have the compile-time size B. The last, partial batch of an epoch is trained on (its missing rows
// are padding that the loss ignores) unless fit_options::drop_last says to drop it. Everything a step needs
// is allocated when the trainer is built; step() itself allocates nothing.
//
// Data-parallel training: with a gradient_reducer other than no_reduction (mpi_allreduce, precast/mpi.hpp) as the
// fifth policy, each of P processes holds a replica of the network, B is each process's share of a global batch
// of B x P samples, and the step is the one-process step's (training/data_parallel.hpp says how).
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <numeric>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include <precast/concepts.hpp>
#include <precast/core/batch_view.hpp>
#include <precast/core/random.hpp>
#include <precast/core/storage.hpp>
#include <precast/export.hpp>
#include <precast/losses/loss_support.hpp>
#include <precast/training/data_parallel.hpp>
#include <precast/training/dataset.hpp>
#include <precast/training/epoch_judge.hpp>
#include <precast/training/gradient_reducer.hpp>
#include <precast/training/gradients.hpp>
#include <precast/training/observer.hpp>
#include <precast/training/training_error.hpp>

namespace precast
{
    PRECAST_EXPORT struct fit_options
    {
        std::size_t epochs = 1;
        std::uint64_t seed = 0;  // the shuffle order of every epoch follows from it
        bool shuffle = true;
        bool drop_last = false;  // skip the partial last batch instead of training on it
        // Resuming: run epochs first_epoch..epochs, each shuffled exactly as in a run that started at epoch 1
        // (load the checkpoint's parameters and optimizer state first).
        std::size_t first_epoch = 1;
        // Data-parallel training: compare the replicas' parameter checksums every this many steps (0: never).
        std::size_t check_replicas_every = 100;
        // Evaluated after every epoch (epoch_report::validation): {.validation = validation_set}.
        dataset_ref validation = {};
        // Which value decides the best epoch, early stopping and the plateau.
        precast::monitor monitor = monitor::automatic;
        early_stopping stop_early = {};
        reduce_on_plateau on_plateau = {};
        // End with the parameters of the best epoch (by monitor) instead of the last one's.
        bool restore_best = false;
    };

    PRECAST_EXPORT template <std::size_t B, neural_network Net, loss Loss, optimizer Optimizer, gradient_reducer Reducer = no_reduction>
    class trainer
    {
        static_assert(B > 0, "precast::trainer<B, ...>: the batch size must be at least 1");
        static_assert(detail::check_loss_fits_network<Loss, Net>());

    public:
        using value_type = typename Net::value_type;
        using network_type = Net;
        using workspace_type = typename Net::template workspace<B>;
        static constexpr std::size_t batch_size = B;
        static constexpr target_kind targets_kind = Loss::targets;

        // The loss sees the output as B * rows_per_sample rows of row_size values (concepts.hpp, loss_rows): one
        // row per sample for values, one per position of the last axis for labels.
        static constexpr std::size_t rows_per_sample = loss_rows_per_sample<targets_kind, typename Net::output_shape>;
        static constexpr std::size_t row_size = loss_row_size<targets_kind, typename Net::output_shape>;
        static constexpr std::size_t loss_batch_rows = B * rows_per_sample;
        using targets_type = target_batch<targets_kind, value_type, loss_batch_rows, row_size>;
        // One process on its own: no exchange at all (not even of a status).
        static constexpr bool single_process = std::same_as<Reducer, no_reduction>;

    private:
        using T = value_type;
        static constexpr std::size_t In = Net::input_size;
        static constexpr std::size_t Out = Net::output_size;
        using target_storage =
            std::conditional_t<targets_kind == target_kind::values, tensor_buffer<T, shape<B, Out>>, std::array<label_type, loss_batch_rows>>;

    public:
        explicit trainer(Net& net, Loss loss_function = {}, Optimizer optimizer = {}, Reducer reducer = {})
            : net_(net), loss_(std::move(loss_function)), optimizer_(std::move(optimizer)), reducer_(std::move(reducer)),
              workspace_(std::make_unique<workspace_type>()), state_(std::make_unique<typename Net::template optimizer_state<Optimizer>>()),
              targets_(std::make_unique<target_storage>())
        {
            synchronize();
        }

        [[nodiscard]] const Reducer& reducer() const noexcept { return reducer_; }
        // Samples per step over all processes: B times the number of processes.
        [[nodiscard]] std::size_t global_batch_size() const noexcept { return B * reducer_.size(); }

        // Data-parallel training: process 0's parameters, optimizer state, step count and dropout seeds to every
        // process (the trainer does this when it is built and when fit() starts; call it after loading a checkpoint
        // on process 0 only). Collective. The state of an optimizer that does not list its tensors (any_optimizer)
        // is not sent.
        void synchronize()
        {
            if constexpr (!single_process)
            {
                detail::broadcast_replica(net_, *state_, steps_, reducer_);
            }
        }

        // Data-parallel training: compares a checksum of every process's parameters with process 0's and throws
        // training_error on every process, naming the step and the processes that differ, if any does. Collective.
        void check_replicas()
        {
            if constexpr (!single_process)
            {
                detail::compare_replicas(net_, steps_, reducer_);
            }
        }

        [[nodiscard]] Net& network() noexcept { return net_; }
        [[nodiscard]] const Loss& loss_function() const noexcept { return loss_; }
        [[nodiscard]] Optimizer& optimizer() noexcept { return optimizer_; }
        // The optimizer's moments and step count; reset() restarts them (the weights stay).
        [[nodiscard]] typename Net::template optimizer_state<Optimizer>& optimizer_state() noexcept { return *state_; }
        [[nodiscard]] workspace_type& workspace() noexcept { return *workspace_; }
        [[nodiscard]] std::size_t steps() const noexcept { return steps_; }

        // One training step on the batch already in workspace().input() and the given targets (per sample, or
        // for labels per position: rows_per_sample labels per sample): forward, loss, backward, optimizer update.
        // Returns the loss of the first `rows` samples. Allocates nothing.
        // Data-parallel training: `rows` are this process's (0 to B: the rows of its shard, which starts at row
        // rank * B of the global batch); the update is the same on every process and the returned loss is the
        // global batch's. Collective.
        double step(targets_type targets, std::size_t rows = B)
        {
            if constexpr (single_process)
            {
                net_.position_batch(state_->steps(), 0);
                const double value = compute_gradients(targets, rows);
                net_.apply(optimizer_, *state_);
                return value;
            }
            else
            {
                return exchange_step(targets, rows, false).loss;
            }
        }

        // step() without the optimizer's update: the loss of the batch in workspace().input(), and every
        // gradient (the layers' gradients(), weight_gradients(), ...). Counts as a step; allocates nothing.
        double compute_gradients(targets_type targets, std::size_t rows = B)
        {
            const double value = precast::compute_gradients(net_, *workspace_, loss_, targets, rows);
            ++steps_;
            if (!std::isfinite(value))
            {
                throw training_error("precast::trainer: the loss became " + std::string(std::isnan(value) ? "NaN" : "infinite") + " at step " +
                                     std::to_string(steps_) + where_in_fit() + "; lower the learning rate, or check the data and the initialization");
            }
            return value;
        }

        // Copies x into the workspace, then step(targets, rows).
        double step(batch_view<const T, B, typename Net::input_shape> x, targets_type targets, std::size_t rows = B)
        {
            std::copy_n(x.data(), B * In, workspace_->input().data());
            return step(targets, rows);
        }

        // Starts every stream of the network's stateful recurrent layers afresh (network::reset_state).
        void reset_state() noexcept { net_.reset_state(*workspace_); }

        // Loss and accuracy over a data set, in inference mode (dropout off), B samples at a time. A stateful
        // network starts from zeros, and batch k + 1 continues the streams of batch k (as fit trains them).
        // Data-parallel training: the processes share the batches (but for a stateful network, which each runs
        // whole) and the result, the same on every process, is the whole data set's. Collective.
        [[nodiscard]] evaluation evaluate(const dataset<T>& data)
        {
            check_dataset(data);
            reset_state();
            evaluation result;
            decision_count decisions;
            double loss_sum = 0.0;
            const bool shared = !single_process && !Net::has_recurrent_state;
            const std::size_t stride = shared ? B * reducer_.size() : B;
            for (std::size_t first = shared ? reducer_.rank() * B : 0; first < data.size(); first += stride)
            {
                const std::size_t rows = std::min(B, data.size() - first);
                load_batch(data, [first](std::size_t r) { return first + r; }, rows);
                const auto y = loss_rows<targets_kind>(net_.forward(*workspace_, mode::inference));
                loss_sum += static_cast<double>(loss_.value(y, current_targets(), rows * rows_per_sample)) * static_cast<double>(rows);
                if constexpr (loss_with_decisions<Loss>)
                {
                    add(decisions, loss_.count_correct(y, current_targets(), rows * rows_per_sample));
                }
            }
            if (shared)
            {
                std::array<double, 3> sums{loss_sum, static_cast<double>(decisions.correct), static_cast<double>(decisions.total)};
                reducer_.sum(std::span<double>(sums));
                loss_sum = sums[0];
                decisions.correct = static_cast<std::size_t>(sums[1]);
                decisions.total = static_cast<std::size_t>(sums[2]);
            }
            result.samples = data.size();
            result.loss = loss_sum / static_cast<double>(data.size());
            if constexpr (loss_with_decisions<Loss>)
            {
                result.accuracy = accuracy(decisions);
            }
            return result;
        }

        // Trains for options.epochs epochs. With a stateful network (truncated backpropagation through time over
        // long streams) the data set holds, at sample k * B + b, window k of stream b, and options.shuffle is false.
        // The observer (training/observer.hpp) is told of every batch and epoch: a callable taking a const
        // epoch_report& or const batch_report&, an object with on_epoch / on_batch, observers(a, b, ...), or nullptr.
        template <class Observer = std::nullptr_t>
        std::vector<epoch_report> fit(const dataset<T>& data, const fit_options& options, Observer&& observer = nullptr)
        {
            const dataset<T>* validation = options.validation.template get<T>("precast::trainer::fit: the validation set (fit_options::validation)");
            static_assert(fit_observer<Observer>,
                          "precast::trainer::fit: the observer is none of the forms fit() knows, so it would never be called: a callable "
                          "taking a const precast::epoch_report& or a const precast::batch_report&, or an object with a member "
                          "on_epoch(const precast::epoch_report&) and/or on_batch(const precast::batch_report&) (check the spelling), or nullptr");
            check_dataset(data);
            if (validation != nullptr)
            {
                check_dataset(*validation);
            }
            if (options.epochs == 0)
            {
                throw std::invalid_argument("precast::trainer::fit: epochs must be at least 1");
            }
            if (options.first_epoch == 0 || options.first_epoch > options.epochs)
            {
                throw std::invalid_argument("precast::trainer::fit: first_epoch is " + std::to_string(options.first_epoch) + "; it must be from 1 to epochs (" +
                                            std::to_string(options.epochs) + ")");
            }
            if (Net::has_recurrent_state && options.shuffle)
            {
                throw std::invalid_argument("precast::trainer::fit: the network has a stateful recurrent layer, whose batch k + 1 continues the streams "
                                            "of batch k (row b of each batch is the next window of stream b); shuffling would break the streams: "
                                            "pass fit_options{.shuffle = false}");
            }
            const epoch_judge judge(options.monitor, options.stop_early, options.on_plateau, validation != nullptr, loss_with_decisions<Loss>, Loss::name);
            const std::size_t global_batch = global_batch_size();
            const std::size_t full_batches = data.size() / global_batch;
            const std::size_t remainder = data.size() % global_batch;
            const std::size_t batches = full_batches + (remainder != 0 && !options.drop_last ? std::size_t{1} : std::size_t{0});
            if (batches == 0)
            {
                throw std::invalid_argument("precast::trainer::fit: drop_last leaves no batch: the data set has " + std::to_string(data.size()) +
                                            " samples, fewer than the batch size " + std::to_string(global_batch));
            }
            synchronize();
            const bool reports = reducer_.rank() == 0;  // observers run on process 0 only
            const std::size_t shard_offset = reducer_.rank() * B;

            std::vector<std::size_t> order(data.size());
            std::iota(order.begin(), order.end(), std::size_t{0});
            random_engine shuffle_rng(options.seed);
            const auto shuffle = [&] {
                for (std::size_t i = order.size(); i > 1; --i)
                {
                    std::swap(order[i - 1], order[shuffle_rng.below(i)]);
                }
            };
            if (options.shuffle)
            {
                for (std::size_t skipped = 1; skipped < options.first_epoch; ++skipped)
                {
                    shuffle();
                }
            }
            std::vector<epoch_report> history;
            history.reserve(options.epochs - options.first_epoch + 1);
            // The best epoch's parameters (and batch_norm's statistics after it), for restore_best: copied when an
            // epoch improves, put back at the end.
            std::vector<T> best_parameters;
            if (options.restore_best)
            {
                best_parameters.resize(Net::parameter_count + detail::statistics_in<Net>);
            }
            epoch_judge::progress progress;

            for (std::size_t epoch = options.first_epoch; epoch <= options.epochs; ++epoch)
            {
                const auto start = std::chrono::steady_clock::now();
                if (options.shuffle)
                {
                    shuffle();
                }
                reset_state();  // each epoch runs the streams from their start
                double loss_sum = 0.0;
                decision_count decisions;
                std::size_t samples = 0;
                for (std::size_t batch = 0; batch < batches; ++batch)
                {
                    const std::size_t first = batch * global_batch;
                    const std::size_t batch_rows = std::min(global_batch, data.size() - first);
                    // This process's shard: rows shard_offset.. of the global batch (none past its end).
                    const std::size_t rows = batch_rows > shard_offset ? std::min(B, batch_rows - shard_offset) : 0;
                    if (rows > 0)
                    {
                        load_batch(data, [&](std::size_t r) { return order[first + shard_offset + r]; }, rows);
                    }
                    epoch_ = epoch;
                    batch_ = batch + 1;
                    batches_ = batches;
                    double value = 0.0;
                    if constexpr (single_process)
                    {
                        value = step(current_targets(), rows);
                        if constexpr (loss_with_decisions<Loss>)
                        {
                            add(decisions, loss_.count_correct(loss_rows<targets_kind>(workspace_->output()), current_targets(), rows * rows_per_sample));
                        }
                    }
                    else
                    {
                        const auto outcome = exchange_step(current_targets(), rows, true);
                        value = outcome.loss;
                        add(decisions, outcome.decisions);
                        if (options.check_replicas_every != 0 && steps_ % options.check_replicas_every == 0)
                        {
                            check_replicas();
                        }
                    }
                    loss_sum += value * static_cast<double>(batch_rows);
                    samples += batch_rows;
                    if (reports)
                    {
                        detail::notify_batch(observer, batch_report{epoch, batch + 1, batches, batch_rows, value, options.epochs});
                    }
                }
                epoch_ = 0;

                epoch_report report;
                report.epoch = epoch;
                report.epochs = options.epochs;
                report.train.samples = samples;
                report.train.loss = loss_sum / static_cast<double>(samples);
                if constexpr (loss_with_decisions<Loss>)
                {
                    report.train.accuracy = accuracy(decisions);
                }
                if (validation != nullptr)
                {
                    report.validation = evaluate(*validation);
                }
                report.learning_rate_scale = state_->learning_rate_scale();
                const auto verdict = judge.judge(report, progress);
                report.best = verdict.best;
                report.stopping = verdict.stop && epoch < options.epochs;
                if constexpr (Net::parameter_count > 0)
                {
                    if (verdict.best && options.restore_best)
                    {
                        std::copy_n(net_.parameters().data(), Net::parameter_count, best_parameters.data());
                        if constexpr (detail::statistics_in<Net> > 0)
                        {
                            std::copy_n(net_.statistics().data(), Net::statistic_count, best_parameters.data() + Net::parameter_count);
                        }
                    }
                }
                if (verdict.lower_learning_rate)
                {
                    state_->set_learning_rate_scale(std::max(state_->learning_rate_scale() * options.on_plateau.factor, options.on_plateau.min_scale));
                }
                report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
                history.push_back(report);
                if (reports)
                {
                    detail::notify_epoch(observer, report);
                }
                if (report.stopping)
                {
                    break;
                }
            }
            if constexpr (Net::parameter_count > 0)
            {
                if (options.restore_best && progress.has_best)
                {
                    std::copy_n(best_parameters.data(), Net::parameter_count, net_.parameters().data());
                    if constexpr (detail::statistics_in<Net> > 0)
                    {
                        std::copy_n(best_parameters.data() + Net::parameter_count, Net::statistic_count, net_.statistics().data());
                    }
                }
            }
            return history;
        }

        // The validation set as a fourth argument: write fit(data, {..., .validation = validation_set}, observer).
        template <class Observer>
        [[deprecated("pass the validation set as fit_options{.validation = validation_set}")]] std::vector<epoch_report> fit(const dataset<T>& data,
                                                                                                                             fit_options options,
                                                                                                                             Observer&& observer,
                                                                                                                             const dataset<T>* validation)
        {
            if (validation != nullptr)
            {
                if (!options.validation.empty())
                {
                    throw std::invalid_argument("precast::trainer::fit: a validation set both in fit_options::validation and as the fourth argument");
                }
                options.validation = *validation;
            }
            return fit(data, options, std::forward<Observer>(observer));
        }

    private:
        // A data-parallel step: this process's gradients (and loss and decisions, if asked), then the exchange
        // (training/data_parallel.hpp) and the same update on every replica.
        detail::global_step_result exchange_step(targets_type targets, std::size_t rows, bool count_decisions)
        {
            detail::shard_result local;
            local.rows = rows;
            try
            {
                if (rows > B)
                {
                    throw std::invalid_argument("precast::trainer::step: rows is " + std::to_string(rows) + "; this process's shard holds 0 to " +
                                                std::to_string(B) + " rows");
                }
                net_.position_batch(state_->steps(), reducer_.rank() * B);
                if (rows > 0)
                {
                    local.loss = compute_gradients(targets, rows);
                    if constexpr (loss_with_decisions<Loss>)
                    {
                        if (count_decisions)
                        {
                            local.decisions = loss_.count_correct(loss_rows<targets_kind>(workspace_->output()), targets, rows * rows_per_sample);
                        }
                    }
                }
                else
                {
                    if constexpr (Net::parameter_count > 0)
                    {
                        net_.gradients().fill(T(0));
                    }
                    ++steps_;
                }
            }
            catch (const std::exception& e)
            {
                local.failure = e.what();
                if (local.failure.empty())
                {
                    local.failure = "an exception without a message";
                }
            }
            const auto result = detail::combine_shards(local, all_gradients(), [&] { return std::to_string(steps_) + where_in_fit(); }, reducer_);
            net_.apply(optimizer_, *state_);
            if constexpr (detail::statistics_in<Net> > 0)
            {
                // Each process's batch statistics are its shard's; the running ones are process 0's on every
                // replica, as PyTorch's DistributedDataParallel broadcasts its buffers.
                reducer_.broadcast(std::span<T>(net_.statistics().data(), Net::statistic_count), 0);
            }
            return result;
        }

        [[nodiscard]] std::span<T, Net::parameter_count> all_gradients() noexcept
        {
            if constexpr (Net::parameter_count > 0)
            {
                return net_.gradients().span();
            }
            else
            {
                return {};
            }
        }

        // " (epoch e, batch b of n)" inside fit(), for error messages; empty outside it.
        [[nodiscard]] std::string where_in_fit() const
        {
            return epoch_ == 0 ? "" : " (epoch " + std::to_string(epoch_) + ", batch " + std::to_string(batch_) + " of " + std::to_string(batches_) + ")";
        }

        static void add(decision_count& sum, decision_count batch) noexcept
        {
            sum.correct += batch.correct;
            sum.total += batch.total;
        }
        // NaN when no decision was made (every label ignored).
        static double accuracy(decision_count d) noexcept
        {
            return d.total == 0 ? std::numeric_limits<double>::quiet_NaN() : static_cast<double>(d.correct) / static_cast<double>(d.total);
        }

        static constexpr std::size_t token_vocabulary = [] {
            if constexpr (requires { Net::token_vocabulary; })
            {
                return std::size_t{Net::token_vocabulary};
            }
            else
            {
                return std::size_t{0};
            }
        }();
        void check_dataset(const dataset<T>& data) const
        {
            detail::check_dataset_fits(data, In, targets_kind, Loss::name, Out, row_size, rows_per_sample, token_vocabulary);
        }

        // Copies samples index(0..rows-1) into the workspace input and the targets; zeroes the padding rows.
        template <class Index>
        void load_batch(const dataset<T>& data, Index&& index, std::size_t rows)
        {
            auto x = workspace_->input();
            for (std::size_t r = 0; r < rows; ++r)
            {
                const auto f = data.features(index(r));
                std::copy(f.begin(), f.end(), x.row(r).begin());
                if constexpr (targets_kind == target_kind::values)
                {
                    const auto t = data.targets(index(r));
                    std::copy(t.begin(), t.end(), targets_->data() + r * Out);
                }
                else
                {
                    const auto l = data.labels(index(r));
                    std::copy(l.begin(), l.end(), targets_->begin() + static_cast<std::ptrdiff_t>(r * rows_per_sample));
                }
            }
            std::fill(x.data() + rows * In, x.data() + B * In, T(0));
            if constexpr (targets_kind == target_kind::values)
            {
                std::fill(targets_->data() + rows * Out, targets_->data() + B * Out, T(0));
            }
            else
            {
                std::fill(targets_->begin() + static_cast<std::ptrdiff_t>(rows * rows_per_sample), targets_->end(), label_type{0});
            }
        }

        [[nodiscard]] targets_type current_targets() const noexcept
        {
            if constexpr (targets_kind == target_kind::values)
            {
                return matrix_view<const T, B, Out>(targets_->data());
            }
            else
            {
                return std::span<const label_type, loss_batch_rows>(*targets_);
            }
        }

        Net& net_;
        Loss loss_;
        Optimizer optimizer_;
        Reducer reducer_;
        std::unique_ptr<workspace_type> workspace_;
        std::unique_ptr<typename Net::template optimizer_state<Optimizer>> state_;
        std::unique_ptr<target_storage> targets_;
        std::size_t steps_ = 0;
        // Where fit() is, for error messages (epoch_ == 0 outside fit).
        std::size_t epoch_ = 0;
        std::size_t batch_ = 0;
        std::size_t batches_ = 0;
    };
}
