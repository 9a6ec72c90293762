// What fit() tells an observer while it trains, and what an observer is.
//
//   t.fit(data, {.epochs = 10}, [](const precast::epoch_report& e) { std::printf("%zu %g\n", e.epoch, e.train.loss); });
//   t.fit(data, {.epochs = 10}, precast::observers(precast::progress_bar(), precast::csv_log("log.csv")));
//
// An observer is a callable taking a const epoch_report& or a const batch_report& (or overloaded for both), or an
// object with on_epoch(const epoch_report&) and/or on_batch(const batch_report&). Anything else, such as a struct
// whose on_epoch is misspelt, is a compile error naming these forms (fit_observer), never silently ignored.
#pragma once

#include <concepts>
#include <cstddef>
#include <functional>
#include <limits>
#include <tuple>
#include <type_traits>
#include <utility>

#include <precast/export.hpp>

namespace precast
{
    PRECAST_EXPORT struct batch_report
    {
        std::size_t epoch = 0;    // from 1
        std::size_t batch = 0;    // from 1
        std::size_t batches = 0;  // in this epoch
        std::size_t rows = 0;     // real samples in this batch
        double loss = 0.0;
        std::size_t epochs = 0;  // in this fit()
    };

    PRECAST_EXPORT struct evaluation
    {
        double loss = 0.0;
        double accuracy = std::numeric_limits<double>::quiet_NaN();  // NaN for losses without a notion of correct
        std::size_t samples = 0;
    };

    PRECAST_EXPORT struct epoch_report
    {
        std::size_t epoch = 0;   // from 1
        std::size_t epochs = 0;  // in this fit()
        evaluation train;        // averaged over the epoch's batches, as they were trained (training mode)
        evaluation validation;   // samples == 0 when no validation set was given
        double seconds = 0.0;
        double learning_rate_scale = 1.0;  // the factor on the learning rate during this epoch (fit_options::on_plateau)
        bool best = false;                 // the monitored value is the best so far (fit_options::monitor)
        bool stopping = false;             // the last epoch: fit_options::stop_early stops here
    };

    // epoch_observer<O>: o(report) or o.on_epoch(report) for a const epoch_report&.
    PRECAST_EXPORT template <class O>
    concept epoch_observer = std::invocable<O&, const epoch_report&> || requires(O& o, const epoch_report& r) { o.on_epoch(r); };

    // batch_observer<O>: o(report) or o.on_batch(report) for a const batch_report&.
    PRECAST_EXPORT template <class O>
    concept batch_observer = std::invocable<O&, const batch_report&> || requires(O& o, const batch_report& r) { o.on_batch(r); };

    // fit_observer<O>: what fit() accepts as its observer: an epoch_observer, a batch_observer, or nullptr (none).
    PRECAST_EXPORT template <class O>
    concept fit_observer = std::same_as<std::remove_cvref_t<O>, std::nullptr_t> || epoch_observer<O> || batch_observer<O>;

    namespace detail
    {
        template <class O>
        void notify_epoch(O& observer, const epoch_report& report)
        {
            if constexpr (requires { observer.on_epoch(report); })
            {
                observer.on_epoch(report);
            }
            else if constexpr (std::invocable<O&, const epoch_report&>)
            {
                observer(report);
            }
        }
        template <class O>
        void notify_batch(O& observer, const batch_report& report)
        {
            if constexpr (requires { observer.on_batch(report); })
            {
                observer.on_batch(report);
            }
            else if constexpr (std::invocable<O&, const batch_report&>)
            {
                observer(report);
            }
        }
    }

    // Several observers as one, told in the order given. Each is held by value (pass std::ref(o) to keep yours).
    PRECAST_EXPORT template <class... Observers>
    class observer_list
    {
    public:
        explicit observer_list(Observers... o) : observers_(std::move(o)...) {}

        void on_epoch(const epoch_report& report)
        {
            std::apply([&](auto&... o) { (detail::notify_epoch(unwrap(o), report), ...); }, observers_);
        }
        void on_batch(const batch_report& report)
        {
            std::apply([&](auto&... o) { (detail::notify_batch(unwrap(o), report), ...); }, observers_);
        }

    private:
        template <class O>
        static O& unwrap(O& o) noexcept
        {
            return o;
        }
        template <class O>
        static O& unwrap(std::reference_wrapper<O>& o) noexcept
        {
            return o.get();
        }
        std::tuple<Observers...> observers_;
    };

    PRECAST_EXPORT template <class... Observers>
    [[nodiscard]] observer_list<std::decay_t<Observers>...> observers(Observers&&... o)
    {
        static_assert(sizeof...(Observers) > 0, "precast::observers(...): give at least one observer");
        static_assert((fit_observer<std::unwrap_reference_t<std::decay_t<Observers>>> && ...),
                      "precast::observers(...): each argument must be an observer: callable with a const epoch_report& or a const batch_report&, "
                      "or with a member on_epoch(const epoch_report&) or on_batch(const batch_report&)");
        return observer_list<std::decay_t<Observers>...>(std::forward<Observers>(o)...);
    }
}
