// Classification metrics beyond loss and accuracy: a confusion matrix, and from it each class's precision, recall
// and F1 score.
//
//   const auto m = precast::confusion_matrix_of(net, test_set);   // the network's classes against the labels
//   std::printf("%s", m.to_string().c_str());                      // the table, with precision and recall
//   m.recall(3);                                                   // of the samples of class 3, the share found
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <precast/concepts.hpp>
#include <precast/core/vocabulary.hpp>
#include <precast/export.hpp>
#include <precast/training/dataset.hpp>

namespace precast
{
    // count(actual, predicted): how many samples (or positions) of class `actual` were given class `predicted`.
    PRECAST_EXPORT class confusion_matrix
    {
    public:
        explicit confusion_matrix(std::size_t classes) : classes_(classes), counts_(classes * classes, 0)
        {
            if (classes < 2)
            {
                throw std::invalid_argument("precast::confusion_matrix: " + std::to_string(classes) + " classes; a classification has at least 2");
            }
        }

        void add(std::size_t actual, std::size_t predicted)
        {
            if (actual >= classes_ || predicted >= classes_)
            {
                throw std::invalid_argument("precast::confusion_matrix::add: class " + std::to_string(std::max(actual, predicted)) + " of " +
                                            std::to_string(classes_) + " classes (0 to " + std::to_string(classes_ - 1) + ")");
            }
            ++counts_[actual * classes_ + predicted];
        }

        [[nodiscard]] std::size_t classes() const noexcept { return classes_; }
        [[nodiscard]] std::size_t count(std::size_t actual, std::size_t predicted) const { return counts_.at(actual * classes_ + predicted); }
        [[nodiscard]] std::size_t total() const noexcept
        {
            std::size_t n = 0;
            for (const std::size_t c : counts_)
            {
                n += c;
            }
            return n;
        }
        // Samples of class c (a row's sum), and samples given class c (a column's).
        [[nodiscard]] std::size_t actual(std::size_t c) const
        {
            std::size_t n = 0;
            for (std::size_t p = 0; p < classes_; ++p)
            {
                n += count(c, p);
            }
            return n;
        }
        [[nodiscard]] std::size_t predicted(std::size_t c) const
        {
            std::size_t n = 0;
            for (std::size_t a = 0; a < classes_; ++a)
            {
                n += count(a, c);
            }
            return n;
        }

        // The share of right answers. NaN when there is nothing to divide: no samples at all, no samples of the
        // class (recall) or no sample given the class (precision).
        [[nodiscard]] double accuracy() const noexcept
        {
            std::size_t right = 0;
            for (std::size_t c = 0; c < classes_; ++c)
            {
                right += counts_[c * classes_ + c];
            }
            return ratio(right, total());
        }
        [[nodiscard]] double precision(std::size_t c) const { return ratio(count(c, c), predicted(c)); }
        [[nodiscard]] double recall(std::size_t c) const { return ratio(count(c, c), actual(c)); }
        [[nodiscard]] double f1(std::size_t c) const
        {
            const double p = precision(c);
            const double r = recall(c);
            return p + r > 0 ? 2 * p * r / (p + r) : (p == 0 && r == 0 ? 0.0 : std::numeric_limits<double>::quiet_NaN());
        }
        // The mean of the classes' F1 scores (each class counts the same, however many samples it has).
        [[nodiscard]] double macro_f1() const
        {
            double sum = 0;
            for (std::size_t c = 0; c < classes_; ++c)
            {
                sum += f1(c);
            }
            return sum / static_cast<double>(classes_);
        }

        // The table: a row per actual class, a column per predicted class, then each class's precision and recall.
        [[nodiscard]] std::string to_string() const
        {
            std::size_t width = 6;
            for (const std::size_t c : counts_)
            {
                width = std::max(width, std::to_string(c).size() + 1);
            }
            const auto cell = [&](const std::string& text, std::size_t w) { return std::string(w > text.size() ? w - text.size() : 0, ' ') + text; };
            const auto percent = [](double v) {
                char buffer[32];
                std::snprintf(buffer, sizeof buffer, v == v ? "%.1f %%" : "-", 100 * v);
                return std::string(buffer);
            };
            std::string out = cell("actual \\ predicted", 18);
            for (std::size_t p = 0; p < classes_; ++p)
            {
                out += cell(std::to_string(p), width);
            }
            out += cell("precision", 11) + cell("recall", 9) + "\n";
            for (std::size_t a = 0; a < classes_; ++a)
            {
                out += cell(std::to_string(a), 18);
                for (std::size_t p = 0; p < classes_; ++p)
                {
                    out += cell(std::to_string(count(a, p)), width);
                }
                out += cell(percent(precision(a)), 11) + cell(percent(recall(a)), 9) + "\n";
            }
            out += "accuracy " + percent(accuracy()) + " of " + std::to_string(total()) + "\n";
            return out;
        }

    private:
        static double ratio(std::size_t a, std::size_t b) noexcept
        {
            return b == 0 ? std::numeric_limits<double>::quiet_NaN() : static_cast<double>(a) / static_cast<double>(b);
        }

        std::size_t classes_;
        std::vector<std::size_t> counts_;
    };

    // The network's classes (the largest output on the last axis, in inference mode) against a labelled data set's
    // labels: one per sample, or one per position for an output [steps, classes]; positions labelled ignore_label
    // are left out.
    PRECAST_EXPORT template <neural_network Net>
    confusion_matrix confusion_matrix_of(Net& net, const dataset<typename Net::value_type>& data)
    {
        using T = typename Net::value_type;
        using S = typename Net::output_shape;
        constexpr std::size_t classes = S::extents[S::rank - 1];
        constexpr std::size_t positions = S::size / classes;
        constexpr std::size_t B = 32;
        if (data.targets_kind() != target_kind::labels || data.labels_per_sample() != positions || data.feature_size() != Net::input_size)
        {
            throw std::invalid_argument("precast::confusion_matrix_of: the data set needs " + std::to_string(Net::input_size) + " features and " +
                                        std::to_string(positions) + " label(s) per sample for this network; it has " + std::to_string(data.feature_size()) +
                                        " features and " +
                                        (data.targets_kind() == target_kind::labels ? std::to_string(data.labels_per_sample()) + " label(s)" : "no labels"));
        }
        confusion_matrix m(classes);
        auto ws = std::make_unique<typename Net::template workspace<B>>();
        for (std::size_t first = 0; first < data.size(); first += B)
        {
            const std::size_t rows = std::min(B, data.size() - first);
            for (std::size_t r = 0; r < rows; ++r)
            {
                std::copy_n(data.features(first + r).data(), Net::input_size, ws->input().data() + r * Net::input_size);
            }
            const auto y = net.forward(*ws);
            for (std::size_t r = 0; r < rows; ++r)
            {
                const auto labels = data.labels(first + r);
                for (std::size_t p = 0; p < positions; ++p)
                {
                    if (labels[p] == ignore_label)
                    {
                        continue;
                    }
                    const T* scores = y.data() + (r * positions + p) * classes;
                    m.add(labels[p], static_cast<std::size_t>(std::max_element(scores, scores + classes) - scores));
                }
            }
        }
        return m;
    }
}
