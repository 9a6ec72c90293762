// parallel<Join, Branches...>: runs each branch on the same input and joins their outputs, as an Inception
// module, a two-tower model or a gated unit's two paths do.
//
//   using two_paths = precast::parallel<precast::concat<>, precast::dense<16>, precast::sequential<precast::dense<8>, precast::tanh>>;
//   // [In] -> [16 + 8]
//   using summed = precast::parallel<precast::add, precast::dense<16>, precast::sequential<precast::dense<32>, precast::relu, precast::dense<16>>>;
//
// A branch is one element of a network's list (a spec, a layer or a block: sequential<...> for a chain). Joins:
//   concat<Axis>  the outputs side by side along axis Axis of the sample (negative counts from the end; default
//                 -1, the last), as torch.cat; every other extent must agree
//   add           the sum of the outputs, which must have one shape
// Parameters are named "branches.<branch>.<tensor>". Backward: each branch gets its part of dy (all of it for
// add), and dx is the sum of the branches' input gradients.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>

#include <precast/blocks/block.hpp>
#include <precast/concepts.hpp>
#include <precast/core/batch_view.hpp>
#include <precast/core/shape.hpp>
#include <precast/core/storage.hpp>
#include <precast/export.hpp>
#include <precast/kernels/axpy.hpp>
#include <precast/network/binding.hpp>
#include <precast/network/diagnostics.hpp>
#include <precast/network/parameter_table.hpp>

namespace precast
{
    // Joins for parallel.
    PRECAST_EXPORT template <int Axis = -1>
    struct concat
    {
        static constexpr int axis = Axis;
    };
    PRECAST_EXPORT struct add
    {
    };

    PRECAST_EXPORT template <class Join, class... Branches>
    struct parallel;

    PRECAST_EXPORT template <scalar T, static_shape InputShape, class Join, class... Branches>
    class parallel_layer;

    namespace detail
    {
        template <class Join>
        inline constexpr bool is_concat = false;
        template <int Axis>
        inline constexpr bool is_concat<concat<Axis>> = true;

        template <class S, std::size_t Axis, std::size_t N>
        struct replace_extent
        {
            template <std::size_t... I>
            static auto make(std::index_sequence<I...>) -> shape<(I == Axis ? N : S::extents[I])...>;
            using type = decltype(make(std::make_index_sequence<S::rank>{}));
        };

        // The output shape of a join over the branch layers, after the checks that it can be formed.
        template <class Join, class Layers, class Block>
        struct join_shape
        {
            using first = typename std::tuple_element_t<0, Layers>::output_shape;
            static constexpr std::size_t branches = std::tuple_size_v<Layers>;

            // The first branch whose output cannot join the first one's (branches if none).
            static constexpr std::size_t mismatch(std::size_t axis)
            {
                std::size_t found = branches;
                for_each_index(
                    [&](auto index) {
                        using other = typename std::tuple_element_t<decltype(index)::value, Layers>::output_shape;
                        bool same = other::rank == first::rank;
                        for (std::size_t a = 0; same && a < first::rank; ++a)
                        {
                            same = a == axis || other::extents[a] == first::extents[a];
                        }
                        if (!same && found == branches)
                        {
                            found = decltype(index)::value;
                        }
                    },
                    std::make_index_sequence<branches>{});
                return found;
            }

            static consteval auto resolve()
            {
                if constexpr (is_concat<Join>)
                {
                    constexpr int rank = static_cast<int>(first::rank);
                    constexpr int axis = Join::axis < 0 ? Join::axis + rank : Join::axis;
                    if constexpr (axis < 0 || axis >= rank)
                    {
                        static_assert(diagnostic::report<diagnostic::parallel_branches_cannot_be_concatenated<
                                          diagnostic::in_block<Block>, diagnostic::on_axis<Join::axis>, diagnostic::first_branch_outputs<first>,
                                          diagnostic::fix<diagnostic::pick_an_axis_of_the_sample_from_minus_rank_to_rank_minus_1>>>());
                        return std::type_identity<first>{};
                    }
                    else
                    {
                        constexpr std::size_t bad = mismatch(static_cast<std::size_t>(axis));
                        if constexpr (bad != branches)
                        {
                            static_assert(
                                diagnostic::report<diagnostic::parallel_branches_cannot_be_concatenated<
                                    diagnostic::in_block<Block>, diagnostic::on_axis<Join::axis>, diagnostic::first_branch_outputs<first>,
                                    diagnostic::branch<bad>, diagnostic::this_branch_outputs<typename std::tuple_element_t<bad, Layers>::output_shape>,
                                    diagnostic::fix<diagnostic::make_the_branches_agree_on_every_axis_but_the_concat_axis>>>());
                            return std::type_identity<first>{};
                        }
                        else
                        {
                            constexpr std::size_t total = []<std::size_t... I>(std::index_sequence<I...>) {
                                return (std::size_t{0} + ... + std::tuple_element_t<I, Layers>::output_shape::extents[axis]);
                            }(std::make_index_sequence<branches>{});
                            return std::type_identity<typename replace_extent<first, static_cast<std::size_t>(axis), total>::type>{};
                        }
                    }
                }
                else
                {
                    constexpr std::size_t bad = mismatch(first::rank);  // no axis may differ
                    if constexpr (bad != branches)
                    {
                        static_assert(diagnostic::report<diagnostic::parallel_branches_differ_in_shape<
                                          diagnostic::in_block<Block>, diagnostic::first_branch_outputs<first>, diagnostic::branch<bad>,
                                          diagnostic::this_branch_outputs<typename std::tuple_element_t<bad, Layers>::output_shape>,
                                          diagnostic::fix<diagnostic::make_every_branch_output_the_same_shape>>>());
                    }
                    return std::type_identity<first>{};
                }
            }
            using type = typename decltype(resolve())::type;
        };

        template <class T, class In, class Branch, std::size_t Position>
        using bound_branch = typename decltype(resolve_layer<T, In, Position, input_of<In, T>, Branch>())::type;

        template <class T, class In, class Sequence, class... Branches>
        struct bound_branches;
        template <class T, class In, std::size_t... I, class... Branches>
        struct bound_branches<T, In, std::index_sequence<I...>, Branches...>
        {
            using type = std::tuple<bound_branch<T, In, Branches, I>...>;
        };

        template <bool Positionwise, class T, class InputShape, class Join, class Layers>
        struct parallel_per_position
        {
            using type = void;
        };
        template <class T, class InputShape, class Join, class... Layers>
        struct parallel_per_position<true, T, InputShape, Join, std::tuple<Layers...>>
        {
            using type =
                parallel_layer<T, shape<last_extent<InputShape>>, std::conditional_t<is_concat<Join>, concat<-1>, Join>, typename Layers::per_position...>;
        };
    }

    template <scalar T, static_shape InputShape, class Join, class... Branches>
    class parallel_layer : public detail::block_base<T, typename detail::bound_branches<T, InputShape, std::index_sequence_for<Branches...>, Branches...>::type>
    {
        static_assert(sizeof...(Branches) > 0, "precast::parallel<Join>: give it at least one branch, e.g. parallel<concat<>, dense<8>, dense<4>>");
        static_assert(detail::is_concat<Join> || std::is_same_v<Join, add>,
                      "precast::parallel<Join, ...>: the first argument says how the branches join: concat<> (or concat<Axis>) or add");
        using base = detail::block_base<T, typename detail::bound_branches<T, InputShape, std::index_sequence_for<Branches...>, Branches...>::type>;
        using list = typename base::layers_type;
        static constexpr std::size_t branches = sizeof...(Branches);
        template <std::size_t I>
        using branch_type = std::tuple_element_t<I, list>;
        template <std::size_t I>
        using branch_shape = typename branch_type<I>::output_shape;

    public:
        using value_type = T;
        using input_shape = InputShape;
        using output_shape = typename detail::join_shape<Join, list, parallel<Join, Branches...>>::type;
        static constexpr const char* name = detail::is_concat<Join> ? "parallel_concat" : "parallel_add";

        static constexpr const auto& parameter_tensors = detail::tensor_table<"branches.", list>::tensors;
        static constexpr const auto& statistic_tensors = detail::tensor_table<"branches.", list, true, true>::tensors;
        static constexpr std::size_t forward_flops = detail::sum_forward_flops<list> + (detail::is_concat<Join> ? 0 : branches * output_shape::size);
        static constexpr std::size_t backward_flops = detail::sum_backward_flops<list> + (branches - 1) * InputShape::size;
        static constexpr bool is_stateful = detail::any_stateful<list>;

    private:
        // For concat: rows of the join (the extents before the axis) and each branch's values per row.
        static constexpr std::size_t axis = [] {
            if constexpr (detail::is_concat<Join>)
            {
                return static_cast<std::size_t>(Join::axis < 0 ? Join::axis + static_cast<int>(output_shape::rank) : Join::axis);
            }
            else
            {
                return std::size_t{0};
            }
        }();
        static constexpr std::size_t rows = [] {
            std::size_t r = 1;
            for (std::size_t a = 0; a < axis; ++a)
            {
                r *= output_shape::extents[a];
            }
            return r;
        }();
        template <std::size_t I>
        static constexpr std::size_t row_size = branch_shape<I>::size / rows;
        template <std::size_t I>
        static constexpr std::size_t row_offset =
            []<std::size_t... J>(std::index_sequence<J...>) { return (std::size_t{0} + ... + row_size<J>); }(std::make_index_sequence<I>{});

        template <std::size_t B, std::size_t... I>
        static auto make_outputs(std::index_sequence<I...>) -> std::tuple<tensor_buffer<T, batched_shape<B, branch_shape<I>>>...>;
        template <std::size_t B, std::size_t... I>
        static auto make_workspaces(std::index_sequence<I...>) -> std::tuple<typename branch_type<I>::template workspace<B>...>;

    public:
        // Each branch's output (and, for concat, its part of dy), its workspace, and room for the input gradients
        // of the branches after the first.
        template <std::size_t B>
        struct workspace
        {
            decltype(make_outputs<B>(std::index_sequence_for<Branches...>{})) outputs;
            decltype(make_outputs<B>(std::index_sequence_for<Branches...>{})) output_gradients;
            decltype(make_workspaces<B>(std::index_sequence_for<Branches...>{})) branch_workspaces;
            tensor_buffer<T, batched_shape<B, InputShape>> input_gradient;

            void reset_state() noexcept
                requires detail::any_recurrent_state<list>
            {
                detail::for_each_index(
                    [&](auto index) {
                        if constexpr (recurrent_state<branch_type<decltype(index)::value>>)
                        {
                            std::get<decltype(index)::value>(branch_workspaces).reset_state();
                        }
                    },
                    std::index_sequence_for<Branches...>{});
            }
        };
        template <std::size_t B>
        static constexpr std::size_t workspace_bytes = []<std::size_t... I>(std::index_sequence<I...>) {
            return (std::size_t{0} + ... + (2 * B * branch_shape<I>::size * sizeof(T) + workspace_bytes_of<branch_type<I>, B>())) +
                   B * InputShape::size * sizeof(T);
        }(std::index_sequence_for<Branches...>{});

        template <std::size_t B>
        void forward(batch_view<const T, B, input_shape> x, batch_view<T, B, output_shape> y, workspace<B>& ws, mode m)
        {
            detail::for_each_index(
                [&](auto index) {
                    constexpr std::size_t I = decltype(index)::value;
                    const batch_view<T, B, branch_shape<I>> out(std::get<I>(ws.outputs).data());
                    this->template at<I>().forward(x, out, std::get<I>(ws.branch_workspaces), m);
                    const T* o = out.data();
                    T* ys = y.data();
                    if constexpr (detail::is_concat<Join>)
                    {
                        for (std::size_t r = 0; r < B * rows; ++r)
                        {
                            std::copy_n(o + r * row_size<I>, row_size<I>, ys + r * (output_shape::size / rows) + row_offset<I>);
                        }
                    }
                    else if constexpr (I == 0)
                    {
                        std::copy_n(o, B * output_shape::size, ys);
                    }
                    else
                    {
                        kernels::axpy(T(1), o, ys, B * output_shape::size);
                    }
                },
                std::index_sequence_for<Branches...>{});
        }

        template <std::size_t B>
        void backward(batch_view<const T, B, input_shape> x, batch_view<const T, B, output_shape> /*y*/, batch_view<const T, B, output_shape> dy,
                      batch_view<T, B, input_shape> dx, workspace<B>& ws)
        {
            detail::for_each_index(
                [&](auto index) {
                    constexpr std::size_t I = decltype(index)::value;
                    batch_view<const T, B, branch_shape<I>> branch_dy;
                    if constexpr (detail::is_concat<Join>)
                    {
                        T* part = std::get<I>(ws.output_gradients).data();
                        for (std::size_t r = 0; r < B * rows; ++r)
                        {
                            std::copy_n(dy.data() + r * (output_shape::size / rows) + row_offset<I>, row_size<I>, part + r * row_size<I>);
                        }
                        branch_dy = batch_view<const T, B, branch_shape<I>>(part);
                    }
                    else
                    {
                        branch_dy = batch_view<const T, B, branch_shape<I>>(dy.data());
                    }
                    batch_view<T, B, InputShape> branch_dx;
                    if (!dx.empty())
                    {
                        branch_dx = batch_view<T, B, InputShape>(I == 0 ? dx.data() : ws.input_gradient.data());
                    }
                    this->template at<I>().backward(x, batch_view<const T, B, branch_shape<I>>(std::get<I>(ws.outputs).data()), branch_dy, branch_dx,
                                                    std::get<I>(ws.branch_workspaces));
                    if (I > 0 && !dx.empty())
                    {
                        kernels::axpy(T(1), ws.input_gradient.data(), dx.data(), B * InputShape::size);
                    }
                },
                std::index_sequence_for<Branches...>{});
        }

        // The same block on one position of the last axis (streaming_network), when every branch is position-wise
        // and the join does not mix positions (add, or concat on the last axis).
        static constexpr bool joins_positions_alike = !detail::is_concat<Join> || axis + 1 == output_shape::rank;
        using per_position = typename detail::parallel_per_position<detail::all_positionwise<list> && joins_positions_alike, T, InputShape, Join, list>::type;
        [[nodiscard]] per_position per_position_form() const
            requires(detail::all_positionwise<list> && joins_positions_alike)
        {
            per_position one;
            detail::for_each_index(
                [&](auto index) { one.template at<decltype(index)::value>() = this->template at<decltype(index)::value>().per_position_form(); },
                std::index_sequence_for<Branches...>{});
            return one;
        }
    };

    template <class Join, class... Branches>
    struct parallel
    {
        template <scalar T, static_shape In>
        using bind = parallel_layer<T, In, Join, Branches...>;
    };
}
