// expected-error: precast::trainer::fit: the observer is none of the forms fit\(\) knows, so it would never be called
// An observer whose member is misspelt (on_epoc) would be silently ignored; it is a compile error instead.
#include <precast/precast.hpp>
struct logger
{
    void on_epoc(const precast::epoch_report&) {}
};
int main()
{
    using net = precast::network<precast::input<1>, precast::dense<1>>;
    net n;
    precast::trainer<2, net, precast::mean_squared_error, precast::gradient_descent> t(n);
    const auto data = precast::dataset<float>::with_targets({0, 1}, 1, {0, 1}, 1);
    t.fit(data, {.epochs = 1}, logger{});
    return 0;
}
