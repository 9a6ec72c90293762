// Data-parallel training over MPI (CMake target precast::mpi; not part of precast.hpp or the module, which need no
// MPI). mpi_allreduce is the trainer's gradient_reducer policy; mpi_session starts and ends MPI for a program and
// makes an exception on one process end the whole job instead of leaving the others waiting.
//
//   int main(int argc, char** argv)
//   {
//       precast::mpi_session mpi(argc, argv);
//       return mpi.run([&] {
//           mlp net(precast::glorot_uniform{}, 1);  // any initialization: process 0's is broadcast
//           precast::trainer<64, mlp, precast::softmax_cross_entropy, precast::adam, precast::mpi_allreduce> t(net);
//           t.fit(train, {.epochs = 10, .seed = 1}, precast::progress_bar());  // observers run on process 0 only
//           return 0;
//       });
//   }
//
// Run it with `mpirun -np 4 ./program`: 4 processes, a global batch of 4 x 64 (training/data_parallel.hpp says
// how the data, the gradients and failures are shared). <precast/mpi.hpp> includes this header.
#pragma once

#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>

#include <precast/training/gradient_reducer.hpp>
#include <precast/training/training_error.hpp>

namespace precast
{
    namespace detail
    {
        template <class T>
        MPI_Datatype mpi_datatype() noexcept
        {
            if constexpr (std::is_same_v<T, float>)
            {
                return MPI_FLOAT;
            }
            else if constexpr (std::is_same_v<T, double>)
            {
                return MPI_DOUBLE;
            }
            else if constexpr (std::is_same_v<T, std::uint64_t>)
            {
                return MPI_UINT64_T;
            }
            else
            {
                static_assert(std::is_same_v<T, char>, "precast::mpi_allreduce: float, double, std::uint64_t or char");
                return MPI_CHAR;
            }
        }

        inline void check_mpi(int code, const char* call)
        {
            if (code != MPI_SUCCESS)
            {
                char text[MPI_MAX_ERROR_STRING];
                int length = 0;
                MPI_Error_string(code, text, &length);
                throw std::runtime_error(std::string("precast::mpi_allreduce: ") + call + " failed: " + std::string(text, static_cast<std::size_t>(length)));
            }
        }

        // MPI counts are ints: longer spans go in pieces.
        template <class T, class Call>
        void in_pieces(std::span<T> values, Call&& call)
        {
            constexpr std::size_t piece = std::size_t{1} << 30;
            for (std::size_t first = 0; first < values.size(); first += piece)
            {
                call(values.data() + first, static_cast<int>(std::min(piece, values.size() - first)));
            }
        }
    }

    // The gradient_reducer of a group of MPI processes (a communicator; all of MPI_COMM_WORLD by default).
    class mpi_allreduce
    {
    public:
        // All of MPI_COMM_WORLD.
        mpi_allreduce() : mpi_allreduce(MPI_COMM_WORLD) {}
        explicit mpi_allreduce(MPI_Comm communicator) : communicator_(communicator)
        {
            int initialized = 0;
            MPI_Initialized(&initialized);
            if (initialized == 0)
            {
                throw std::logic_error("precast::mpi_allreduce: MPI is not initialized: create a precast::mpi_session (or call MPI_Init) first");
            }
            int rank = 0;
            int size = 0;
            detail::check_mpi(MPI_Comm_rank(communicator_, &rank), "MPI_Comm_rank");
            detail::check_mpi(MPI_Comm_size(communicator_, &size), "MPI_Comm_size");
            rank_ = static_cast<std::size_t>(rank);
            size_ = static_cast<std::size_t>(size);
        }

        [[nodiscard]] std::size_t rank() const noexcept { return rank_; }
        [[nodiscard]] std::size_t size() const noexcept { return size_; }
        [[nodiscard]] MPI_Comm communicator() const noexcept { return communicator_; }

        template <class T>
        void sum(std::span<T> values) const
        {
            detail::in_pieces(values, [&](T* data, int count) {
                detail::check_mpi(MPI_Allreduce(MPI_IN_PLACE, data, count, detail::mpi_datatype<T>(), MPI_SUM, communicator_), "MPI_Allreduce");
            });
        }

        template <class T>
        void broadcast(std::span<T> values, std::size_t root) const
        {
            detail::in_pieces(values, [&](T* data, int count) {
                detail::check_mpi(MPI_Bcast(data, count, detail::mpi_datatype<T>(), static_cast<int>(root), communicator_), "MPI_Bcast");
            });
        }

        void all_gather(std::uint64_t value, std::span<std::uint64_t> out) const
        {
            if (out.size() != size_)
            {
                throw std::invalid_argument("precast::mpi_allreduce::all_gather: out has " + std::to_string(out.size()) + " elements for " +
                                            std::to_string(size_) + " processes");
            }
            detail::check_mpi(MPI_Allgather(&value, 1, MPI_UINT64_T, out.data(), 1, MPI_UINT64_T, communicator_), "MPI_Allgather");
        }

        void broadcast_text(std::string& text, std::size_t root) const
        {
            std::uint64_t length = text.size();
            broadcast(std::span<std::uint64_t>(&length, 1), root);
            text.resize(static_cast<std::size_t>(length));
            broadcast(std::span<char>(text.data(), text.size()), root);
        }

    private:
        MPI_Comm communicator_;
        std::size_t rank_ = 0;
        std::size_t size_ = 1;
    };

    // MPI for the lifetime of a program (MPI_Init, MPI_Finalize), and run(), which ends the whole job on an
    // exception instead of leaving the other processes waiting for one that is gone.
    class mpi_session
    {
    public:
        mpi_session(int& argc, char**& argv)
        {
            int initialized = 0;
            MPI_Initialized(&initialized);
            if (initialized == 0)
            {
                detail::check_mpi(MPI_Init(&argc, &argv), "MPI_Init");
                owns_ = true;
            }
            int rank = 0;
            int size = 0;
            MPI_Comm_rank(MPI_COMM_WORLD, &rank);
            MPI_Comm_size(MPI_COMM_WORLD, &size);
            rank_ = static_cast<std::size_t>(rank);
            size_ = static_cast<std::size_t>(size);
        }
        ~mpi_session()
        {
            if (owns_)
            {
                MPI_Finalize();
            }
        }
        mpi_session(const mpi_session&) = delete;
        mpi_session& operator=(const mpi_session&) = delete;

        [[nodiscard]] std::size_t rank() const noexcept { return rank_; }
        [[nodiscard]] std::size_t size() const noexcept { return size_; }

        // Runs body() and returns its exit code. A distributed_training_error is raised on every process at once:
        // process 0 prints it, and every process returns 1. Any other exception may be this process's alone (a
        // file it could not read, bad data in its part): it prints "precast: process R of N failed: ..." and
        // aborts the job (MPI_Abort), so that mpirun ends every process with a non-zero exit.
        template <class Body>
        int run(Body&& body) noexcept
        {
            try
            {
                return static_cast<int>(body());
            }
            catch (const distributed_training_error& e)
            {
                if (rank_ == 0)
                {
                    std::fprintf(stderr, "%s\n", e.what());
                }
                return 1;
            }
            catch (const std::exception& e)
            {
                std::fprintf(stderr, "precast: process %zu of %zu failed: %s\n", rank_, size_, e.what());
            }
            catch (...)
            {
                std::fprintf(stderr, "precast: process %zu of %zu failed: an exception that is not a std::exception\n", rank_, size_);
            }
            std::fflush(stderr);
            MPI_Abort(MPI_COMM_WORLD, 1);
            return 1;
        }

    private:
        bool owns_ = false;
        std::size_t rank_ = 0;
        std::size_t size_ = 1;
    };
}
