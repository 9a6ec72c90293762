// dataset<T>: samples held in memory, checked when built. Shapes are run-time values here (data comes from
// files); the trainer checks them against the network's static shapes before it trains.
//
// Every problem is a std::invalid_argument naming it: a feature count that does not divide into samples,
// targets or labels for a different number of samples, a label out of range, NaN or infinity anywhere.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <numeric>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <precast/concepts.hpp>
#include <precast/core/random.hpp>
#include <precast/export.hpp>

namespace precast
{
    PRECAST_EXPORT template <scalar T>
    class dataset
    {
    public:
        // Real-valued targets, target_size per sample (regression, binary, one-hot).
        static dataset with_targets(std::vector<T> features, std::size_t feature_size, std::vector<T> targets, std::size_t target_size)
        {
            dataset d(std::move(features), feature_size, target_kind::values);
            if (target_size == 0)
            {
                fail("the target size must be at least 1");
            }
            if (targets.size() != d.size() * target_size)
            {
                fail("there are " + std::to_string(d.size()) + " samples but " + std::to_string(targets.size()) + " target values (" +
                     std::to_string(target_size) + " per sample would be " + std::to_string(d.size() * target_size) + ")");
            }
            check_finite(targets, target_size, "target");
            d.targets_ = std::move(targets);
            d.target_size_ = target_size;
            return d;
        }

        // Class labels, each below class_count or ignore_label (a padded position): one per sample, or
        // labels_per_sample per sample for a network whose output has that many positions (a sequence model's
        // output [steps, classes] takes `steps` labels per sample, in order).
        static dataset with_labels(std::vector<T> features, std::size_t feature_size, std::vector<label_type> labels, std::size_t class_count,
                                   std::size_t labels_per_sample = 1)
        {
            dataset d(std::move(features), feature_size, target_kind::labels);
            if (class_count < 2)
            {
                fail("a classification data set needs at least 2 classes, not " + std::to_string(class_count));
            }
            if (labels_per_sample == 0)
            {
                fail("labels_per_sample must be at least 1");
            }
            if (labels.size() != d.size() * labels_per_sample)
            {
                fail("there are " + std::to_string(d.size()) + " samples but " + std::to_string(labels.size()) + " labels" +
                     (labels_per_sample == 1
                          ? std::string()
                          : " (" + std::to_string(labels_per_sample) + " per sample would be " + std::to_string(d.size() * labels_per_sample) + ")"));
            }
            for (std::size_t i = 0; i < labels.size(); ++i)
            {
                if (labels[i] >= class_count && labels[i] != ignore_label)
                {
                    const std::string where =
                        labels_per_sample == 1 ? "of sample " + std::to_string(i)
                                               : "at position " + std::to_string(i % labels_per_sample) + " of sample " + std::to_string(i / labels_per_sample);
                    fail("label " + std::to_string(labels[i]) + " " + where + " is out of range: the data set has " + std::to_string(class_count) +
                         " classes (0 to " + std::to_string(class_count - 1) + ", or precast::ignore_label for a padded position)");
                }
            }
            d.labels_ = std::move(labels);
            d.target_size_ = class_count;
            d.labels_per_sample_ = labels_per_sample;
            return d;
        }

        // Samples of `steps` token ids each (for a network declared with tokens<steps, vocabulary>), with class
        // labels as with_labels takes them (a language model: one label per position, the next token). Every id is
        // checked against the vocabulary; the features hold them as values of T.
        static dataset with_tokens(std::span<const token_id> ids, std::size_t steps, std::size_t vocabulary, std::vector<label_type> labels,
                                   std::size_t class_count, std::size_t labels_per_sample = 1)
        {
            if (vocabulary < 2)
            {
                fail("a vocabulary has at least 2 tokens, not " + std::to_string(vocabulary));
            }
            if (vocabulary > (std::size_t{1} << std::numeric_limits<T>::digits))
            {
                fail("a vocabulary of " + std::to_string(vocabulary) + " tokens has ids the element type cannot hold exactly (float: up to 2^24)");
            }
            if (steps == 0)
            {
                fail("the feature size must be at least 1");
            }
            std::vector<T> features(ids.size());
            for (std::size_t i = 0; i < ids.size(); ++i)
            {
                if (ids[i] >= vocabulary)
                {
                    fail("token id " + std::to_string(ids[i]) + " at position " + std::to_string(i % steps) + " of sample " + std::to_string(i / steps) +
                         " is outside the vocabulary of " + std::to_string(vocabulary) + " tokens (ids 0 to " + std::to_string(vocabulary - 1) + ")");
                }
                features[i] = static_cast<T>(ids[i]);
            }
            dataset d = with_labels(std::move(features), steps, std::move(labels), class_count, labels_per_sample);
            d.token_vocabulary_ = vocabulary;
            return d;
        }

        [[nodiscard]] std::size_t size() const noexcept { return features_.size() / feature_size_; }
        // For a data set of token ids (with_tokens): the vocabulary's size; 0 when the features are values.
        [[nodiscard]] std::size_t token_vocabulary() const noexcept { return token_vocabulary_; }
        [[nodiscard]] std::size_t feature_size() const noexcept { return feature_size_; }
        [[nodiscard]] target_kind targets_kind() const noexcept { return kind_; }
        // Values per sample for real-valued targets; the number of classes for labels.
        [[nodiscard]] std::size_t target_size() const noexcept { return target_size_; }

        [[nodiscard]] std::span<const T> features(std::size_t sample) const noexcept
        {
            return std::span<const T>(features_.data() + sample * feature_size_, feature_size_);
        }
        [[nodiscard]] std::span<const T> targets(std::size_t sample) const noexcept
        {
            return std::span<const T>(targets_.data() + sample * target_size_, target_size_);
        }
        // Labels per sample (1 unless the data set was made with more).
        [[nodiscard]] std::size_t labels_per_sample() const noexcept { return labels_per_sample_; }
        // The (first) label of a sample.
        [[nodiscard]] label_type label(std::size_t sample) const noexcept { return labels_[sample * labels_per_sample_]; }
        // All labels of a sample.
        [[nodiscard]] std::span<const label_type> labels(std::size_t sample) const noexcept
        {
            return std::span<const label_type>(labels_.data() + sample * labels_per_sample_, labels_per_sample_);
        }

        // The samples at the given indices, in that order.
        [[nodiscard]] dataset subset(std::span<const std::size_t> indices) const
        {
            dataset d;
            d.feature_size_ = feature_size_;
            d.kind_ = kind_;
            d.target_size_ = target_size_;
            d.labels_per_sample_ = labels_per_sample_;
            d.token_vocabulary_ = token_vocabulary_;
            d.features_.reserve(indices.size() * feature_size_);
            for (std::size_t i : indices)
            {
                if (i >= size())
                {
                    fail("subset index " + std::to_string(i) + " is past the last of " + std::to_string(size()) + " samples");
                }
                const auto f = features(i);
                d.features_.insert(d.features_.end(), f.begin(), f.end());
                if (kind_ == target_kind::values)
                {
                    const auto t = targets(i);
                    d.targets_.insert(d.targets_.end(), t.begin(), t.end());
                }
                else
                {
                    const auto l = labels(i);
                    d.labels_.insert(d.labels_.end(), l.begin(), l.end());
                }
            }
            return d;
        }

        // A seeded shuffle cut in two: the first part holds round(fraction * size) samples.
        [[nodiscard]] std::pair<dataset, dataset> split(double fraction, std::uint64_t seed) const
        {
            if (!(fraction > 0.0 && fraction < 1.0))
            {
                fail("split fraction must be between 0 and 1 (exclusive), not " + shortest(fraction));
            }
            std::vector<std::size_t> order(size());
            std::iota(order.begin(), order.end(), std::size_t{0});
            random_engine rng(seed);
            for (std::size_t i = order.size(); i > 1; --i)
            {
                std::swap(order[i - 1], order[rng.below(i)]);
            }
            const auto cut = static_cast<std::size_t>(std::llround(fraction * static_cast<double>(size())));
            if (cut == 0 || cut == size())
            {
                fail("split fraction " + shortest(fraction) + " of " + std::to_string(size()) + " samples leaves one part empty");
            }
            return {subset(std::span<const std::size_t>(order.data(), cut)), subset(std::span<const std::size_t>(order.data() + cut, size() - cut))};
        }

    private:
        dataset() = default;

        dataset(std::vector<T> features, std::size_t feature_size, target_kind kind) : features_(std::move(features)), feature_size_(feature_size), kind_(kind)
        {
            if (feature_size == 0)
            {
                fail("the feature size must be at least 1");
            }
            if (features_.empty())
            {
                fail("it has no samples");
            }
            if (features_.size() % feature_size != 0)
            {
                fail(std::to_string(features_.size()) + " feature values do not divide into samples of " + std::to_string(feature_size));
            }
            check_finite(features_, feature_size, "feature");
        }

        static std::string shortest(double value)
        {
            char text[32];
            std::snprintf(text, sizeof text, "%g", value);
            return text;
        }

        [[noreturn]] static void fail(const std::string& what) { throw std::invalid_argument("precast::dataset: " + what); }

        static void check_finite(const std::vector<T>& values, std::size_t per_sample, const char* what)
        {
            const auto bad = std::find_if(values.begin(), values.end(), [](T v) { return !std::isfinite(v); });
            if (bad != values.end())
            {
                const auto index = static_cast<std::size_t>(bad - values.begin());
                fail(std::string(what) + " " + std::to_string(index % per_sample) + " of sample " + std::to_string(index / per_sample) + " is " +
                     (std::isnan(*bad) ? "NaN" : "infinite"));
            }
        }

        std::vector<T> features_;
        std::size_t feature_size_ = 1;
        target_kind kind_ = target_kind::values;
        std::vector<T> targets_;
        std::vector<label_type> labels_;
        std::size_t target_size_ = 0;
        std::size_t labels_per_sample_ = 1;
        std::size_t token_vocabulary_ = 0;
    };

    namespace detail
    {
        // A data set against what a network and its loss take (a trainer checks before it reads a sample): the
        // features per sample, the kind of targets, and per sample `target_values` values, or labels_per_sample
        // labels of fewer than `classes` classes. Throws std::invalid_argument naming the mismatch.
        template <scalar T>
        void check_dataset_fits(const dataset<T>& data, std::size_t features, target_kind kind, const char* loss_name, std::size_t target_values,
                                std::size_t classes, std::size_t labels_per_sample, std::size_t token_vocabulary = 0)
        {
            if (token_vocabulary > 0 && data.token_vocabulary() == 0)
            {
                throw std::invalid_argument("precast::trainer: the network takes token ids (tokens<Steps, " + std::to_string(token_vocabulary) +
                                            ">), but the data set holds values: make it with dataset::with_tokens");
            }
            if (token_vocabulary == 0 && data.token_vocabulary() > 0)
            {
                throw std::invalid_argument("precast::trainer: the data set holds token ids (dataset::with_tokens), but the network's input takes values: "
                                            "declare it with tokens<Steps, Vocabulary> and an embedding first");
            }
            if (data.token_vocabulary() > token_vocabulary)
            {
                throw std::invalid_argument("precast::trainer: the data set's vocabulary has " + std::to_string(data.token_vocabulary()) +
                                            " tokens, but the network's has only " + std::to_string(token_vocabulary));
            }
            const auto kind_text = [](target_kind k) { return k == target_kind::labels ? "class labels" : "real-valued targets"; };
            if (data.feature_size() != features)
            {
                throw std::invalid_argument("precast::trainer: the data set has " + std::to_string(data.feature_size()) +
                                            " features per sample, but the network's input takes " + std::to_string(features));
            }
            if (data.targets_kind() != kind)
            {
                throw std::invalid_argument(std::string("precast::trainer: the loss ") + loss_name + " takes " + kind_text(kind) + ", but the data set has " +
                                            kind_text(data.targets_kind()));
            }
            if (kind == target_kind::values && data.target_size() != target_values)
            {
                throw std::invalid_argument("precast::trainer: the data set has " + std::to_string(data.target_size()) +
                                            " target values per sample, but the network outputs " + std::to_string(target_values));
            }
            if (kind == target_kind::labels && data.target_size() > classes)
            {
                throw std::invalid_argument("precast::trainer: the data set has " + std::to_string(data.target_size()) +
                                            " classes, but the network outputs only " + std::to_string(classes) + " values (one per class) on its last axis");
            }
            if (kind == target_kind::labels && data.labels_per_sample() != labels_per_sample)
            {
                throw std::invalid_argument("precast::trainer: the data set has " + std::to_string(data.labels_per_sample()) +
                                            " labels per sample, but the network's output has " + std::to_string(labels_per_sample) +
                                            (labels_per_sample == 1 ? " position (one label per sample)" : " positions (one label each)"));
            }
        }
    }

    // A reference to a dataset<float> or dataset<double>, for fit_options::validation (fit_options serves trainers
    // of both element types). It refers, it does not copy: the data set must outlive the fit() call, and a
    // temporary cannot be bound to it.
    PRECAST_EXPORT class dataset_ref
    {
    public:
        dataset_ref() noexcept = default;
        dataset_ref(const dataset<float>& data) noexcept : float_(&data) {}
        dataset_ref(const dataset<double>& data) noexcept : double_(&data) {}
        dataset_ref(const dataset<float>&&) = delete;
        dataset_ref(const dataset<double>&&) = delete;

        [[nodiscard]] bool empty() const noexcept { return float_ == nullptr && double_ == nullptr; }

        // The data set, if it holds T values; nullptr if it is empty; std::invalid_argument if it holds the other type.
        template <scalar T>
        [[nodiscard]] const dataset<T>* get(const char* what) const
        {
            const dataset<T>* mine = nullptr;
            bool other = false;
            if constexpr (std::is_same_v<T, float>)
            {
                mine = float_;
                other = double_ != nullptr;
            }
            else
            {
                mine = double_;
                other = float_ != nullptr;
            }
            if (other)
            {
                throw std::invalid_argument(std::string(what) + " holds " + (std::is_same_v<T, float> ? "double" : "float") + " values; this network's are " +
                                            (std::is_same_v<T, float> ? "float" : "double"));
            }
            return mine;
        }

    private:
        const dataset<float>* float_ = nullptr;
        const dataset<double>* double_ = nullptr;
    };
}
