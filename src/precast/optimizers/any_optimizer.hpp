// any_optimizer: one of the optimizer family, chosen at run time (from a command line, a configuration file),
// for programs that would otherwise compile one trainer per optimizer type.
//
//   precast::any_optimizer opt = precast::any_optimizer::named("adam", 1e-3);   // or any_optimizer(precast::adam(...))
//   precast::trainer<32, Net, Loss, precast::any_optimizer> t(net, {}, opt);
//
// Its state is a variant of the alternatives' states, made (and, for large layers, allocated) by the first update
// after the state was created or reset; updates after that allocate nothing. A fixed optimizer type is the faster
// choice when it is known at compile time: any_optimizer adds one branch per layer and step.
#pragma once

#include <concepts>
#include <cstddef>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include <precast/export.hpp>
#include <precast/optimizers/adadelta.hpp>
#include <precast/optimizers/adagrad.hpp>
#include <precast/optimizers/adagrad_da.hpp>
#include <precast/optimizers/adam.hpp>
#include <precast/optimizers/adamax.hpp>
#include <precast/optimizers/adamw.hpp>
#include <precast/optimizers/ftrl.hpp>
#include <precast/optimizers/gradient_descent.hpp>
#include <precast/optimizers/momentum.hpp>
#include <precast/optimizers/nadam.hpp>
#include <precast/optimizers/nesterov_momentum.hpp>
#include <precast/optimizers/proximal_adagrad.hpp>
#include <precast/optimizers/proximal_gradient_descent.hpp>
#include <precast/optimizers/rmsprop.hpp>

namespace precast
{
    namespace detail
    {
        template <class Alternatives, class T, std::size_t N>
        struct variant_of_states;
        template <class... Os, class T, std::size_t N>
        struct variant_of_states<std::variant<Os...>, T, N>
        {
            using type = std::variant<std::monostate, typename Os::template state<T, N>...>;
        };
    }

    PRECAST_EXPORT class any_optimizer
    {
    public:
        using alternatives = std::variant<gradient_descent, momentum, nesterov_momentum, adagrad, adadelta, rmsprop, adam, adamw, adamax, nadam, ftrl,
                                          proximal_gradient_descent, proximal_adagrad, adagrad_da>;
        static constexpr const char* name = "any_optimizer";

        // monostate until the first update, then the chosen optimizer's state (alternative index + 1).
        template <scalar T, std::size_t N>
        using state = typename detail::variant_of_states<alternatives, T, N>::type;

        any_optimizer() = default;
        template <class O>
            requires(!std::same_as<std::remove_cvref_t<O>, any_optimizer>) && std::constructible_from<alternatives, O>
        any_optimizer(O optimizer) : chosen_(std::move(optimizer))  // NOLINT(google-explicit-constructor): any optimizer converts
        {
        }

        // The optimizer called optimizer_name (as its type is named: "adam", "rmsprop", ...) with its defaults and the
        // given learning rate; an unknown name is an error listing the known ones.
        [[nodiscard]] static any_optimizer named(std::string_view optimizer_name, double learning_rate)
        {
            std::optional<any_optimizer> found;
            [&]<std::size_t... I>(std::index_sequence<I...>) {
                (
                    [&] {
                        using O = std::variant_alternative_t<I, alternatives>;
                        if (!found && optimizer_name == O::name)
                        {
                            typename O::options o{};
                            o.learning_rate = learning_rate;
                            found = any_optimizer(O(o));
                        }
                    }(),
                    ...);
            }(std::make_index_sequence<std::variant_size_v<alternatives>>{});
            if (!found)
            {
                throw std::invalid_argument("precast::any_optimizer: no optimizer is named \"" + std::string(optimizer_name) + "\"; the names are " + names());
            }
            return *found;
        }

        // "gradient_descent, momentum, ...": every name named() accepts.
        [[nodiscard]] static std::string names()
        {
            std::string list;
            [&]<std::size_t... I>(std::index_sequence<I...>) {
                ((list += (I == 0 ? "" : ", ") + std::string(std::variant_alternative_t<I, alternatives>::name)), ...);
            }(std::make_index_sequence<std::variant_size_v<alternatives>>{});
            return list;
        }

        [[nodiscard]] const char* chosen_name() const noexcept
        {
            return std::visit([](const auto& o) { return std::remove_cvref_t<decltype(o)>::name; }, chosen_);
        }
        [[nodiscard]] const alternatives& chosen() const noexcept { return chosen_; }

        template <class... States>
        void initialize(std::variant<std::monostate, States...>& s) const
        {
            dispatch([&]<std::size_t I>(std::integral_constant<std::size_t, I>, const auto& o) { o.initialize(s.template emplace<I + 1>()); });
        }

        template <scalar T, std::size_t N>
        void update(std::span<T, N> parameters, std::span<const T, N> gradients, state<T, N>& s, const step_context& context) const
        {
            dispatch([&]<std::size_t I>(std::integral_constant<std::size_t, I>, const auto& o) {
                if (s.index() == I + 1)  // a state made for another choice is never updated with this one
                {
                    o.update(parameters, gradients, std::get<I + 1>(s), context);
                }
            });
        }

    private:
        template <class F>
        void dispatch(F&& f) const
        {
            [&]<std::size_t... I>(std::index_sequence<I...>) {
                (void)((chosen_.index() == I ? (f(std::integral_constant<std::size_t, I>{}, std::get<I>(chosen_)), true) : false) || ...);
            }(std::make_index_sequence<std::variant_size_v<alternatives>>{});
        }

        alternatives chosen_;
    };
}
