// A deliberate data race inside an OpenMP region: ThreadSanitizer (with libarcher for libomp) must report it,
// or the clean reports of the concurrency tests would prove nothing.
#include <cstdio>

int main()
{
    long shared = 0;
#pragma omp parallel num_threads(2)
    {
        for (int i = 0; i < 1000; ++i)
        {
            shared = shared + 1;  // unsynchronized on purpose
        }
    }
    std::printf("%ld\n", shared);
    return 0;
}
