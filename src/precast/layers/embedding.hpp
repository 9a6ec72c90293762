// embedding<Vocabulary, Dim>: a table of Vocabulary vectors of Dim values; token id k becomes row k, as PyTorch's
// nn.Embedding(Vocabulary, Dim) (Keras' Embedding). Input: a sequence of Steps token ids ([Steps]: the network is
// declared with tokens<Steps, Vocabulary>); output [Steps, Dim].
// Option: padding_id<P>: token P's row starts at zero and gets no gradient (PyTorch's padding_idx).
// Parameter "weight" {Vocabulary, Dim}, drawn from N(0, 1) as PyTorch's (the network's initializer is for weights
// that mix inputs).
// Backward: dweight[k] = the sum of dy over the positions holding token k (a repeated token adds up); the ids
// have no gradient (dx = 0). An id that is not one (outside the vocabulary, not an integer, NaN: possible only
// when ids are written into a workspace directly; the network's forward and the trainer refuse them) gives a
// row of NaN, never a read outside the table, and no gradient.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <type_traits>

#include <precast/concepts.hpp>
#include <precast/core/batch_view.hpp>
#include <precast/core/parameters.hpp>
#include <precast/core/random.hpp>
#include <precast/core/scalar.hpp>
#include <precast/core/shape.hpp>
#include <precast/core/storage.hpp>
#include <precast/core/vocabulary.hpp>
#include <precast/export.hpp>
#include <precast/kernels/axpy.hpp>
#include <precast/kernels/simd.hpp>

namespace precast
{
    // Option of embedding<...>: the token whose row stays zero and untrained (PyTorch's padding_idx).
    PRECAST_EXPORT template <std::size_t P>
    struct padding_id
    {
        static constexpr std::size_t value = P;
    };

    PRECAST_EXPORT inline constexpr std::size_t no_padding_id = std::numeric_limits<std::size_t>::max();

    PRECAST_EXPORT template <scalar T, static_shape Shape, std::size_t Vocabulary, std::size_t Dim, std::size_t Padding = no_padding_id>
    class embedding_layer : public parameter_slot<T, Vocabulary * Dim>
    {
        static_assert(Shape::rank == 1,
                      "precast::embedding: its input is a sequence of token ids, shape<Steps>: declare the network with tokens<Steps, Vocabulary>");
        static_assert(Padding == no_padding_id || Padding < Vocabulary,
                      "precast::embedding: padding_id<P> must name a token of the vocabulary (P < Vocabulary)");
        static constexpr std::size_t steps = Shape::size;
        using slot = parameter_slot<T, Vocabulary * Dim>;

    public:
        using value_type = T;
        using input_shape = Shape;
        using output_shape = shape<steps, Dim>;
        static constexpr const char* name = "embedding";
        static constexpr bool takes_token_ids = true;
        static constexpr std::size_t vocabulary = Vocabulary;
        static constexpr std::size_t dimension = Dim;
        static constexpr std::size_t padding = Padding;
        static constexpr std::size_t parameter_count = Vocabulary * Dim;
        static constexpr std::array<parameter_tensor, 1> parameter_tensors{{{"weight", 0, {Vocabulary, Dim}}}};
        // A copy per token each way: no arithmetic to speak of.
        static constexpr std::size_t forward_flops = steps * Dim;
        static constexpr std::size_t backward_flops = steps * Dim;

        using slot::gradients;
        using slot::parameters;

        template <std::size_t B>
        using workspace = no_workspace;

        template <initializer Init>
        void initialize(const Init& /*init*/, random_engine& rng)
        {
            for (std::size_t i = 0; i < parameter_count; ++i)
            {
                parameters()[i] = static_cast<T>(rng.normal(0.0, 1.0));
            }
            if constexpr (Padding != no_padding_id)
            {
                std::fill_n(parameters().data() + Padding * Dim, Dim, T(0));
            }
        }

        // The row of token `id` held as a value of T, or no row (Vocabulary) when it is not a token id.
        [[nodiscard]] static std::size_t row_of(T id) noexcept
        {
            // Written so that NaN fails: every comparison with it is false.
            if (!(id >= T(0) && id < static_cast<T>(Vocabulary)) || id != std::floor(id))
            {
                return Vocabulary;
            }
            return static_cast<std::size_t>(id);
        }

        template <std::size_t B>
        void forward(batch_view<const T, B, Shape> x, batch_view<T, B, output_shape> y, no_workspace& /*ws*/, mode /*m*/) const noexcept
        {
            const T* table = parameters().data();
            for (std::size_t i = 0; i < B * steps; ++i)
            {
                const std::size_t row = row_of(x.data()[i]);
                T* out = y.data() + i * Dim;
                if (row == Vocabulary)
                {
                    std::fill_n(out, Dim, std::numeric_limits<T>::quiet_NaN());
                }
                else
                {
                    std::copy_n(table + row * Dim, Dim, out);
                }
            }
        }

        template <std::size_t B>
        void backward(batch_view<const T, B, Shape> x, batch_view<const T, B, output_shape> /*y*/, batch_view<const T, B, output_shape> dy,
                      batch_view<T, B, Shape> dx, no_workspace& /*ws*/) noexcept
        {
            T* dtable = gradients().data();
            std::fill_n(dtable, parameter_count, T(0));
            for (std::size_t i = 0; i < B * steps; ++i)
            {
                const std::size_t row = row_of(x.data()[i]);
                if (row == Vocabulary || row == Padding)
                {
                    continue;
                }
                kernels::axpy(T(1), dy.data() + i * Dim, dtable + row * Dim, Dim);
            }
            if (!dx.empty())
            {
                std::fill_n(dx.data(), B * steps, T(0));
            }
        }

        // One token at a time (streaming_network: a generated token fed back): its row.
        static constexpr sequence_output output = sequence_output::every_step;
        class stream
        {
        public:
            explicit stream(const embedding_layer& l) { refresh(l); }
            void refresh(const embedding_layer& l) noexcept { std::copy_n(l.parameters().data(), parameter_count, table_.data()); }
            void reset() noexcept {}
            void run(const T* in, T* out) noexcept
            {
                const std::size_t row = row_of(in[0]);
                std::fill_n(out, kernels::padded_size<T>(Dim), T(0));
                if (row == Vocabulary)
                {
                    std::fill_n(out, Dim, std::numeric_limits<T>::quiet_NaN());
                }
                else
                {
                    std::copy_n(table_.data() + row * Dim, Dim, out);
                }
            }

        private:
            tensor_buffer<T, shape<Vocabulary * Dim>> table_;
        };
    };

    namespace detail
    {
        template <class... Options>
        consteval std::size_t embedding_padding() noexcept
        {
            std::size_t p = no_padding_id;
            ((p = Options::value), ...);
            return p;
        }
        template <class Option>
        inline constexpr bool is_padding_id = false;
        template <std::size_t P>
        inline constexpr bool is_padding_id<padding_id<P>> = true;
    }

    // The spec: embedding<Vocabulary, Dim>, embedding<Vocabulary, Dim, padding_id<0>>.
    PRECAST_EXPORT template <std::size_t Vocabulary, std::size_t Dim, class... Options>
    struct embedding
    {
        static_assert(Vocabulary >= 2 && Dim >= 1, "precast::embedding<Vocabulary, Dim>: at least 2 tokens of at least 1 value each");
        static_assert(sizeof...(Options) <= 1 && (detail::is_padding_id<Options> && ...),
                      "precast::embedding<Vocabulary, Dim, Options...>: the one option is padding_id<P>");
        template <scalar T, static_shape In>
            requires(In::rank == 1)
        using bind = embedding_layer<T, In, Vocabulary, Dim, detail::embedding_padding<Options...>()>;
    };
}
