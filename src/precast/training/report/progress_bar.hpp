// progress_bar: a fit() observer that shows training as it goes. On a terminal, a live bar for the current epoch
// (redrawn at most ten times a second) and a line per finished epoch; anywhere else (a file, a pipe, a CI log,
// a process started by mpirun) only the line per epoch.
//
//   t.fit(data, {.epochs = 5, .validation = validation}, precast::progress_bar());
//
//   epoch 2/5 [=============                 ] 190/430 batches  loss 0.3917  ETA 0.3 s
//   epoch 1/5  train loss 0.5144  validation loss 0.3860  accuracy 86.68 %  112303 samples/s  0.5 s (total 0.5 s)
#pragma once

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <string>

#if defined(_WIN32)
#include <io.h>
#else
#include <unistd.h>
#endif

#include <precast/export.hpp>
#include <precast/training/observer.hpp>

namespace precast
{
    PRECAST_EXPORT class progress_bar
    {
    public:
        // Writes to out; draws the live bar when out is a terminal.
        explicit progress_bar(std::FILE* out = stdout) : progress_bar(out, is_terminal(out)) {}
        // Draws the live bar or not, as `terminal` says.
        progress_bar(std::FILE* out, bool terminal) : out_(out), terminal_(terminal) {}

        void on_batch(const batch_report& b)
        {
            const auto now = std::chrono::steady_clock::now();
            if (b.batch == 1)
            {
                epoch_start_ = now;
                if (b.epoch == 1)
                {
                    fit_start_ = now;
                }
            }
            if (!terminal_ || (b.batch != 1 && b.batch != b.batches && now - last_draw_ < std::chrono::milliseconds(100)))
            {
                return;
            }
            last_draw_ = now;
            const double elapsed = std::chrono::duration<double>(now - epoch_start_).count();
            const double eta = elapsed / static_cast<double>(b.batch) * static_cast<double>(b.batches - b.batch);
            constexpr std::size_t width = 30;
            const std::size_t filled = width * b.batch / b.batches;
            std::fprintf(out_, "\r%s [%s%s] %zu/%zu batches  loss %.4f  ETA %.1f s ", epoch_label(b.epoch, b.epochs).c_str(), std::string(filled, '=').c_str(),
                         std::string(width - filled, ' ').c_str(), b.batch, b.batches, b.loss, eta);
            std::fflush(out_);
            bar_drawn_ = true;
        }

        void on_epoch(const epoch_report& e)
        {
            const auto now = std::chrono::steady_clock::now();
            std::string line = epoch_label(e.epoch, e.epochs) + "  train loss " + format("%.4f", e.train.loss);
            if (e.validation.samples > 0)
            {
                if (!std::isnan(e.train.accuracy))
                {
                    line += "  accuracy " + format("%.2f", 100 * e.train.accuracy) + " %";
                }
                line += "  validation loss " + format("%.4f", e.validation.loss);
                if (!std::isnan(e.validation.accuracy))
                {
                    line += "  accuracy " + format("%.2f", 100 * e.validation.accuracy) + " %";
                }
            }
            else if (!std::isnan(e.train.accuracy))
            {
                line += "  accuracy " + format("%.2f", 100 * e.train.accuracy) + " %";
            }
            if (e.seconds > 0 && e.train.samples > 0)
            {
                line += "  " + format("%.0f", static_cast<double>(e.train.samples) / e.seconds) + " samples/s";
            }
            line += "  " + format("%.1f", e.seconds) + " s (total " + format("%.1f", std::chrono::duration<double>(now - fit_start_).count()) + " s)";
            // On a terminal the line replaces the bar; spaces clear what is left of a longer bar.
            const std::size_t clear = bar_drawn_ && line.size() < 100 ? 100 - line.size() : 0;
            std::fprintf(out_, "%s%s%s\n", bar_drawn_ ? "\r" : "", line.c_str(), std::string(clear, ' ').c_str());
            std::fflush(out_);
            bar_drawn_ = false;
        }

        [[nodiscard]] bool draws_bar() const noexcept { return terminal_; }

        // A terminal, and not one that an MPI launcher made: mpirun gives its processes a pseudo-terminal and
        // copies what they write to its own output, which is often a pipe or a log file, where the live bar's
        // carriage-return frames would pile up. Under mpirun, pass `true` to the two-argument constructor to draw.
        [[nodiscard]] static bool is_terminal(std::FILE* out) noexcept
        {
            if (launched_by_mpi())
            {
                return false;
            }
#if defined(_WIN32)
            return _isatty(_fileno(out)) != 0;
#else
            return isatty(fileno(out)) != 0;
#endif
        }

        // Whether this process was started by an MPI launcher (Open MPI's mpirun, MPICH's and Intel's mpiexec, Slurm's srun).
        [[nodiscard]] static bool launched_by_mpi() noexcept
        {
            for (const char* variable : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE", "SLURM_STEP_ID"})
            {
                if (std::getenv(variable) != nullptr)  // NOLINT(concurrency-mt-unsafe): read once per bar
                {
                    return true;
                }
            }
            return false;
        }

    private:
        static std::string epoch_label(std::size_t epoch, std::size_t epochs)
        {
            return epochs == 0 ? "epoch " + std::to_string(epoch) : "epoch " + std::to_string(epoch) + "/" + std::to_string(epochs);
        }
        template <class... Args>
        static std::string format(const char* pattern, Args... args)
        {
            char buffer[64];
            const int n = std::snprintf(buffer, sizeof buffer, pattern, args...);
            return std::string(buffer, n < 0 ? 0 : static_cast<std::size_t>(n) < sizeof buffer ? static_cast<std::size_t>(n) : sizeof buffer - 1);
        }

        std::FILE* out_;
        bool terminal_;
        bool bar_drawn_ = false;
        std::chrono::steady_clock::time_point fit_start_ = std::chrono::steady_clock::now();
        std::chrono::steady_clock::time_point epoch_start_ = fit_start_;
        std::chrono::steady_clock::time_point last_draw_{};
    };
}
