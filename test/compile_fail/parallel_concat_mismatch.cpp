// expected-error: parallel_branches_cannot_be_concatenated<.*on_axis<-1>.*first_branch_outputs<precast::shape<3, 2>.*branch<1>.*this_branch_outputs<precast::shape<2>
// Branches that disagree on an axis other than the one they are concatenated on ([3, 2] and [2]).
#include <precast/precast.hpp>

int main()
{
    precast::network<precast::input_of<precast::shape<3, 4>>,
                     precast::parallel<precast::concat<>, precast::dense<2>, precast::sequential<precast::flatten, precast::dense<2>>>>
        net;
    return static_cast<int>(net.depth);
}
