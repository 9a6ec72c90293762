// csv_log: a fit() observer that writes one line per epoch to a CSV file, flushed as each epoch ends (a run
// stopped half-way keeps its log). The file is created when the observer is, so a path that cannot be written
// fails before training starts.
//
//   t.fit(data, {.epochs = 5, .validation = validation}, precast::observers(precast::progress_bar(), precast::csv_log("run.csv")));
//
//   epoch,train_loss,train_accuracy,validation_loss,validation_accuracy,seconds
//   1,0.514419,0.812345,0.386012,0.866812,0.5021
//
// Numbers keep 6 significant digits; a quantity the run does not have (accuracy for a regression loss, the
// validation columns without a validation set) is an empty field.
#pragma once

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include <precast/core/file_errors.hpp>
#include <precast/export.hpp>
#include <precast/training/observer.hpp>

namespace precast
{
    PRECAST_EXPORT class csv_log
    {
    public:
        explicit csv_log(const std::filesystem::path& path) : path_(path), file_(std::fopen(path.string().c_str(), "w"), &std::fclose)
        {
            if (!file_)
            {
                fail(errno);
            }
            write("epoch,train_loss,train_accuracy,validation_loss,validation_accuracy,seconds\n");
        }

        void on_epoch(const epoch_report& e)
        {
            const bool validated = e.validation.samples > 0;
            write(std::to_string(e.epoch) + ',' + number(e.train.loss) + ',' + number(e.train.accuracy) + ',' + (validated ? number(e.validation.loss) : "") +
                  ',' + (validated ? number(e.validation.accuracy) : "") + ',' + number(e.seconds) + '\n');
        }

        [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

    private:
        static std::string number(double v)
        {
            if (std::isnan(v))
            {
                return "";
            }
            char buffer[32];
            const int n = std::snprintf(buffer, sizeof buffer, "%.6g", v);
            return std::string(buffer, static_cast<std::size_t>(n));
        }
        void write(const std::string& text)
        {
            if (std::fputs(text.c_str(), file_.get()) < 0 || std::fflush(file_.get()) != 0)
            {
                fail(errno);
            }
        }
        [[noreturn]] void fail(int error) const
        {
            throw std::runtime_error("precast::csv_log: cannot write " + path_.string() + ": " + detail::unwritable_reason(path_, error));
        }

        std::filesystem::path path_;
        std::unique_ptr<std::FILE, int (*)(std::FILE*)> file_;
    };
}
