// expected-error: (constraints not satisfied for class template 'trainer' .*Loss = unnamed_loss|template constraint failure for .*requires .*loss<Loss>.*class precast::trainer)
// A user's loss without a name: rejected where the trainer is named, by the concept (notes: loss, then named, then X::name).
#include <precast/precast.hpp>
struct unnamed_loss
{
    static constexpr precast::target_kind targets = precast::target_kind::values;
    template <class T, std::size_t B, std::size_t N>
    T value(precast::matrix_view<const T, B, N>, precast::matrix_view<const T, B, N>, std::size_t) const noexcept
    {
        return T(0);
    }
    template <class T, std::size_t B, std::size_t N>
    void gradient(precast::matrix_view<const T, B, N>, precast::matrix_view<const T, B, N>, precast::matrix_view<T, B, N>, std::size_t) const noexcept
    {
    }
};
int main()
{
    using net = precast::network<precast::input<2>, precast::dense<1>>;
    net n;
    precast::trainer<4, net, unnamed_loss, precast::gradient_descent> t(n);
    return static_cast<int>(t.steps());
}
