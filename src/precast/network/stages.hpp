// The stages batch-1 and one-step inference run a layer as: frozen_network's (a layer's own batch-1 form, or its
// forward pass at batch 1) and streaming_network's (a layer over time in its one-step form, a position-wise
// layer on one step), and a chain of one-step stages, which a block over time (residual) runs as its own one-step
// form. Each stage is built from a const layer, takes new weights with refresh, and runs on padded buffers.
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>
#include <tuple>
#include <type_traits>
#include <utility>

#include <precast/concepts.hpp>
#include <precast/core/batch_view.hpp>
#include <precast/core/shape.hpp>
#include <precast/core/storage.hpp>
#include <precast/kernels/simd.hpp>
#include <precast/network/chain.hpp>

namespace precast
{
    namespace detail
    {
        // A layer without a batch-1 form of its own: its forward pass at batch 1, in inference mode, with a
        // workspace made once (so nothing is allocated per call).
        template <class L>
        class generic_frozen_stage
        {
        public:
            using T = typename L::value_type;

            explicit generic_frozen_stage(const L& l) : layer_(l) {}
            void refresh(const L& l) { layer_ = l; }

            void run(const T* in, T* out) noexcept
            {
                layer_.forward(batch_view<const T, 1, typename L::input_shape>(in), batch_view<T, 1, typename L::output_shape>(out), workspace_,
                               mode::inference);
            }

        private:
            L layer_;
            typename L::template workspace<1> workspace_{};
        };

        template <class L>
        struct frozen_stage_of
        {
            using type = generic_frozen_stage<L>;
        };
        template <frozen_form L>
        struct frozen_stage_of<L>
        {
            using type = typename L::frozen;
        };
        template <class L>
        using frozen_stage = typename frozen_stage_of<L>::type;

        // ---- a batch_norm taken into the layer before it ----------------------------------------------------------
        // In inference mode batch_norm is y = scale x + shift per channel (affine_in_inference); after a dense layer
        // or a convolution (absorbs_output_affine) batch-1 and one-step forms fold it into that layer's weights and
        // bias: the producer's stage runs the folded layer, and the batch_norm's stage does nothing.

        // Whether layer I of Layers is folded into layer I - 1, and whether layer I takes layer I + 1 in.
        template <class Layers, std::size_t I>
        consteval bool folded_into_previous()
        {
            if constexpr (I == 0 || I >= std::tuple_size_v<Layers>)
            {
                return false;
            }
            else
            {
                using N = std::tuple_element_t<I, Layers>;
                using P = std::tuple_element_t<I - 1, Layers>;
                return affine_in_inference<N> && absorbs_output_affine<P> && std::is_same_v<typename P::output_shape, typename N::input_shape>;
            }
        }
        template <class Layers, std::size_t I>
        inline constexpr bool takes_next_in = folded_into_previous<Layers, I + 1>();

        // The stage of a layer that was folded into the one before: passes its input on untouched.
        struct folded_away_stage
        {
            static constexpr bool passes_through = true;
            template <class L>
            explicit folded_away_stage(const L& /*l*/) noexcept
            {
            }
            template <class L>
            void refresh(const L& /*l*/) noexcept
            {
            }
            void reset() noexcept {}
            template <class X>
            [[nodiscard]] X apply(const X& x) const noexcept
            {
                return x;
            }
        };

        // Stage (a batch-1 or one-step stage of P::with_bias) on producer P with the affine layer N folded in.
        template <class Stage, class P, class N>
        class folded_stage
        {
        public:
            using T = typename P::value_type;
            static constexpr bool takes_next_layer = true;

            folded_stage(const P& p, const N& n) : stage_(p.with_output_affine(n.inference_scale(), n.inference_shift())) {}
            void refresh(const P& p, const N& n) { stage_.refresh(p.with_output_affine(n.inference_scale(), n.inference_shift())); }
            void reset() noexcept
            {
                if constexpr (requires { stage_.reset(); })
                {
                    stage_.reset();
                }
            }
            void run(const T* in, T* out) noexcept { stage_.run(in, out); }
            template <class X>
            [[nodiscard]] auto apply(const X& x) noexcept
                requires requires(Stage& s) { s.apply(x); }
            {
                return stage_.apply(x);
            }

        private:
            Stage stage_;
        };

        // Stage I of a chain of Layers whose own stages are StageOf<layer>: folded away, folded, or its own.
        template <template <class> class StageOf, class Layers, std::size_t I>
        struct chain_stage_of
        {
            using L = std::tuple_element_t<I, Layers>;
            static auto pick()
            {
                if constexpr (folded_into_previous<Layers, I>())
                {
                    return std::type_identity<folded_away_stage>{};
                }
                else if constexpr (takes_next_in<Layers, I>)
                {
                    using N = std::tuple_element_t<I + 1, Layers>;
                    return std::type_identity<folded_stage<StageOf<typename L::with_bias>, L, N>>{};
                }
                else
                {
                    return std::type_identity<StageOf<L>>{};
                }
            }
            using type = typename decltype(pick())::type;
        };

        // Makes and refreshes stage I from the layers of owner (a network or a block: owner.at<I>()).
        template <class Stage, std::size_t I, class Owner>
        Stage make_stage(const Owner& owner)
        {
            if constexpr (requires { Stage::takes_next_layer; })
            {
                return Stage(owner.template at<I>(), owner.template at<I + 1>());
            }
            else
            {
                return Stage(owner.template at<I>());
            }
        }
        template <std::size_t I, class Stage, class Owner>
        void refresh_stage(Stage& stage, const Owner& owner)
        {
            if constexpr (requires { Stage::takes_next_layer; })
            {
                stage.refresh(owner.template at<I>(), owner.template at<I + 1>());
            }
            else
            {
                stage.refresh(owner.template at<I>());
            }
        }

        // One sample through a tuple of batch-1 stages: x goes into buffer `in`, zero-padded to whole registers.
        // Each stage reads the current values and writes the free buffer, or, with run_in_place, returns where it
        // keeps its output (a recurrent layer's h: no copy of it, no store and load more on the way to the next
        // layer). Returns where the result is; valid until the next run.
        template <class Stages, scalar T, std::size_t N>
        const T* run_stages(Stages& stages, std::span<const T, N> x, T* in, T* out) noexcept
        {
            std::copy(x.begin(), x.end(), in);
            // A stage reads at most its input's padded size (the padding zero); no more of `in` than that.
            std::fill(in + N, in + kernels::padded_size<T>(N), T(0));
            T* const buffers[2] = {in, out};
            const T* current = in;
            std::size_t free_buffer = 1;
            for_each_index(
                [&](auto i) {
                    using stage = std::tuple_element_t<decltype(i)::value, Stages>;
                    if constexpr (requires(stage& s) { s.run_in_place(current); })
                    {
                        current = std::get<decltype(i)::value>(stages).run_in_place(current);
                    }
                    else if constexpr (!requires { stage::passes_through; })
                    {
                        std::get<decltype(i)::value>(stages).run(current, buffers[free_buffer]);
                        current = buffers[free_buffer];
                        free_buffer ^= 1;
                    }
                },
                std::make_index_sequence<std::tuple_size_v<Stages>>{});
            return current;
        }
        // A position-wise layer on one step: its per-position form's batch-1 stage.
        template <class L>
        class per_position_stage
        {
        public:
            using T = typename L::value_type;
            explicit per_position_stage(const L& l) : stage_(l.per_position_form()) {}
            void refresh(const L& l) { stage_.refresh(l.per_position_form()); }
            void reset() noexcept {}
            void run(const T* in, T* out) noexcept { stage_.run(in, out); }

        private:
            frozen_stage<typename L::per_position> stage_;
        };

        // A layer of a sequence on one step: its one-step form (a recurrent layer, a causal convolution, a block of
        // them), or its per-position form.
        template <class L>
        struct step_stage_of
        {
            using type = per_position_stage<L>;
        };
        template <streamable_layer L>
        struct step_stage_of<L>
        {
            using type = typename L::stream;
        };
        template <class L>
        using step_stage = typename step_stage_of<L>::type;

        // Whether every layer of a list keeps the steps axis and runs one step at a time.
        template <class Layers>
        inline constexpr bool runs_step_by_step = []<std::size_t... I>(std::index_sequence<I...>) {
            auto one = []<class L>(std::type_identity<L>) {
                if constexpr (streamable_layer<L>)
                {
                    return L::output == sequence_output::every_step;
                }
                else
                {
                    return positionwise_layer<L>;
                }
            };
            return (true && ... && one(std::type_identity<std::tuple_element_t<I, Layers>>{}));
        }(std::make_index_sequence<std::tuple_size_v<Layers>>{});

        // The layers of a block (Block::layers_type, block.at<I>()) one step at a time: in holds one step's values
        // of the block's input, out receives its output, both padded to whole registers.
        template <class Block>
        class step_chain
        {
            using layers = typename Block::layers_type;
            static constexpr std::size_t depth = std::tuple_size_v<layers>;
            using T = typename Block::value_type;

            template <std::size_t... I>
            static auto make_stages(std::index_sequence<I...>) -> std::tuple<typename chain_stage_of<step_stage, layers, I>::type...>;
            using stages_type = decltype(make_stages(std::make_index_sequence<depth>{}));

            template <std::size_t I>
            static constexpr std::size_t step_size = I < depth ? last_extent<typename std::tuple_element_t<(I < depth ? I : 0), layers>::input_shape>
                                                               : last_extent<typename std::tuple_element_t<depth - 1, layers>::output_shape>;
            static constexpr std::size_t buffer_size = []<std::size_t... I>(std::index_sequence<I...>) {
                std::size_t largest = 0;
                ((largest = std::max(largest, kernels::padded_size<T>(step_size<I>))), ...);
                return largest;
            }(std::make_index_sequence<depth + 1>{});

        public:
            static constexpr std::size_t input_size = step_size<0>;
            static constexpr std::size_t output_size = step_size<depth>;

            explicit step_chain(const Block& b) : step_chain(b, std::make_index_sequence<depth>{}) {}

            void refresh(const Block& b)
            {
                for_each_index([&](auto i) { refresh_stage<decltype(i)::value>(std::get<decltype(i)::value>(stages_), b); }, std::make_index_sequence<depth>{});
            }
            void reset() noexcept
            {
                for_each_index([&](auto i) { std::get<decltype(i)::value>(stages_).reset(); }, std::make_index_sequence<depth>{});
            }
            void run(const T* in, T* out) noexcept
            {
                const T* result = run_stages(stages_, std::span<const T, input_size>(in, input_size), buffers_[0].data(), buffers_[1].data());
                std::copy_n(result, kernels::padded_size<T>(output_size), out);
            }

        private:
            template <std::size_t... I>
            step_chain(const Block& b, std::index_sequence<I...>) : stages_(make_stage<typename chain_stage_of<step_stage, layers, I>::type, I>(b)...)
            {
            }

            stages_type stages_;
            tensor_buffer<T, shape<buffer_size>> buffers_[2];
        };
    }
}
