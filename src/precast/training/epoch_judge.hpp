// What fit() decides after each epoch from one monitored value: whether the epoch is the best so far (for
// fit_options::restore_best), whether to stop (fit_options::stop_early) and whether to lower the learning rate
// (fit_options::on_plateau), as Keras' EarlyStopping and ReduceLROnPlateau callbacks do:
//
//   t.fit(train, {.epochs = 100, .validation = validation, .stop_early = {.patience = 5},
//                 .on_plateau = {.patience = 2, .factor = 0.5}, .restore_best = true});
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>
#include <stdexcept>
#include <string>

#include <precast/export.hpp>
#include <precast/training/observer.hpp>

namespace precast
{
    // What fit() watches to decide which epoch is best, to stop early and to lower the learning rate.
    PRECAST_EXPORT enum class monitor
    {
        automatic,  // the validation loss when there is a validation set, else the training loss
        train_loss,
        train_accuracy,
        validation_loss,
        validation_accuracy,
    };

    // Stop when the monitored value has not improved by more than min_delta for `patience` epochs (0: never).
    PRECAST_EXPORT struct early_stopping
    {
        std::size_t patience = 0;
        double min_delta = 0.0;
    };

    // Multiply the learning rate by `factor` when the monitored value has not improved by more than min_delta for
    // `patience` epochs (0: never), then wait `patience` epochs again; never below min_scale times the optimizer's
    // own rate.
    PRECAST_EXPORT struct reduce_on_plateau
    {
        std::size_t patience = 0;
        double factor = 0.1;
        double min_delta = 0.0;
        double min_scale = 0.0;
    };

    // Decides from the epochs' reports what fit() does next; a loop of your own can use it the same way. Its
    // checks run when it is built, so a misconfigured fit fails before the first epoch, not after it.
    PRECAST_EXPORT class epoch_judge
    {
    public:
        struct progress
        {
            bool has_best = false;
            double best = 0.0;
            double stop_reference = 0.0;
            double plateau_reference = 0.0;
            std::size_t epochs_without_improvement = 0;
            std::size_t epochs_on_plateau = 0;
        };
        struct verdict
        {
            bool best = false;
            bool stop = false;
            bool lower_learning_rate = false;
        };

        epoch_judge(monitor watched, const early_stopping& stop, const reduce_on_plateau& plateau, bool has_validation, bool has_accuracy,
                    const char* loss_name)
            : watched_(watched == monitor::automatic ? (has_validation ? monitor::validation_loss : monitor::train_loss) : watched), stop_(stop),
              plateau_(plateau)
        {
            const char* names[] = {"automatic", "train_loss", "train_accuracy", "validation_loss", "validation_accuracy"};
            const std::string name = names[static_cast<int>(watched_)];
            if ((watched_ == monitor::validation_loss || watched_ == monitor::validation_accuracy) && !has_validation)
            {
                throw std::invalid_argument("precast::trainer::fit: monitor is " + name + ", but there is no validation set (fit_options::validation)");
            }
            if ((watched_ == monitor::train_accuracy || watched_ == monitor::validation_accuracy) && !has_accuracy)
            {
                throw std::invalid_argument("precast::trainer::fit: monitor is " + name + ", but the loss " + loss_name +
                                            " has no notion of a correct answer; monitor a loss");
            }
            if (plateau_.patience > 0 && !(plateau_.factor > 0.0 && plateau_.factor < 1.0))
            {
                throw std::invalid_argument("precast::trainer::fit: on_plateau.factor is " + std::to_string(plateau_.factor) +
                                            "; it must be between 0 and 1 (the learning rate is multiplied by it)");
            }
            if (!(stop_.min_delta >= 0.0) || !(plateau_.min_delta >= 0.0))
            {
                throw std::invalid_argument("precast::trainer::fit: min_delta must be 0 or more");
            }
        }

        [[nodiscard]] monitor watched() const noexcept { return watched_; }

        [[nodiscard]] verdict judge(const epoch_report& report, progress& p) const
        {
            const bool higher_is_better = watched_ == monitor::train_accuracy || watched_ == monitor::validation_accuracy;
            double value = 0.0;
            switch (watched_)
            {
            case monitor::train_accuracy:
                value = report.train.accuracy;
                break;
            case monitor::validation_loss:
                value = report.validation.loss;
                break;
            case monitor::validation_accuracy:
                value = report.validation.accuracy;
                break;
            default:
                value = report.train.loss;
                break;
            }
            // Compared as losses: lower is better (NaN is never an improvement).
            const double loss = higher_is_better ? -value : value;
            const auto better = [&](double reference, double delta) { return !std::isnan(loss) && loss < reference - delta; };
            verdict v;
            if (!p.has_best)
            {
                const double start = std::isnan(loss) ? std::numeric_limits<double>::infinity() : loss;
                p.best = p.stop_reference = p.plateau_reference = start;
                p.has_best = !std::isnan(loss);
                v.best = p.has_best;
                return v;
            }
            if (better(p.best, 0.0))
            {
                p.best = loss;
                v.best = true;
            }
            if (better(p.stop_reference, stop_.min_delta))
            {
                p.stop_reference = loss;
                p.epochs_without_improvement = 0;
            }
            else if (stop_.patience > 0 && ++p.epochs_without_improvement >= stop_.patience)
            {
                v.stop = true;
            }
            if (better(p.plateau_reference, plateau_.min_delta))
            {
                p.plateau_reference = loss;
                p.epochs_on_plateau = 0;
            }
            else if (plateau_.patience > 0 && ++p.epochs_on_plateau >= plateau_.patience)
            {
                v.lower_learning_rate = true;
                p.epochs_on_plateau = 0;
            }
            return v;
        }

    private:
        monitor watched_;
        early_stopping stop_;
        reduce_on_plateau plateau_;
    };
}
