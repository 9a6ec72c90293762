// .npy and .npz: the bytes NumPy's format specification prescribes, round trips of arrays and of a network's
// weights, and the errors for files precast cannot use.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/precast_under_test.hpp"

namespace
{
    namespace fs = std::filesystem;
    using namespace precast;  // NOLINT(google-build-using-namespace): test brevity

    class npy_files : public ::testing::Test
    {
    protected:
        void SetUp() override
        {
            dir_ = fs::temp_directory_path() / ("precast_npy_test_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
            fs::remove_all(dir_);
            fs::create_directories(dir_);
        }
        void TearDown() override { fs::remove_all(dir_); }

        std::string bytes_of(const fs::path& p) const
        {
            std::ifstream in(p, std::ios::binary);
            return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        }
        void write_bytes(const fs::path& p, const std::string& b) const
        {
            std::ofstream out(p, std::ios::binary | std::ios::trunc);
            out.write(b.data(), static_cast<std::streamsize>(b.size()));
        }

        fs::path dir_;
    };

    // NumPy's format 1.0, from its specification: magic, version 1.0, u16 header length, the dict padded with
    // spaces and ending in '\n' so that magic + length + header is a multiple of 64 bytes, then the data.
    std::string numpy_file(const std::string& dict, const std::string& data)
    {
        std::string header = dict;
        while ((10 + header.size() + 1) % 64 != 0)
        {
            header += ' ';
        }
        header += '\n';
        std::string file = std::string("\x93NUMPY\x01\x00", 8);
        file += static_cast<char>(header.size() & 0xFF);
        file += static_cast<char>(header.size() >> 8);
        return file + header + data;
    }

    TEST_F(npy_files, save_npy_writes_the_bytes_numpy_specifies)
    {
        const float values[] = {0, 1, 2, 3, 4, 5};
        const std::size_t shape[] = {2, 3};
        save_npy(dir_ / "a.npy", std::span<const float>(values), std::span<const std::size_t>(shape));
        const std::string expected =
            numpy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", std::string(reinterpret_cast<const char*>(values), sizeof values));
        EXPECT_EQ(bytes_of(dir_ / "a.npy"), expected);

        const double column[] = {1.5, -2.5, 3.5};
        const std::size_t one[] = {3};
        save_npy(dir_ / "b.npy", std::span<const double>(column), std::span<const std::size_t>(one));
        EXPECT_EQ(bytes_of(dir_ / "b.npy"),
                  numpy_file("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", std::string(reinterpret_cast<const char*>(column), sizeof column)));
    }

    TEST_F(npy_files, load_npy_reads_numpy_files_and_converts_between_float_and_double)
    {
        const double values[] = {0.5, 1.5, -2.0, 4.0};
        write_bytes(dir_ / "d.npy", numpy_file("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }",
                                               std::string(reinterpret_cast<const char*>(values), sizeof values)));
        const auto as_float = load_npy<float>(dir_ / "d.npy");
        EXPECT_EQ(as_float.shape, (std::vector<std::size_t>{2, 2}));
        EXPECT_EQ(as_float.values, (std::vector<float>{0.5f, 1.5f, -2.0f, 4.0f}));

        auto error = [&](const std::string& bytes) {
            write_bytes(dir_ / "bad.npy", bytes);
            try
            {
                (void)load_npy<float>(dir_ / "bad.npy");
            }
            catch (const npy_error& e)
            {
                return std::string(e.what());
            }
            return std::string("(no error)");
        };
        const std::string where = "precast: " + (dir_ / "bad.npy").string() + ": ";
        EXPECT_EQ(error("PK\x03\x04 not numpy"), where + "is not a .npy array (no \\x93NUMPY signature)");
        EXPECT_EQ(error(numpy_file("{'descr': '<i4', 'fortran_order': False, 'shape': (1,), }", std::string(4, '\0'))),
                  where + "holds '<i4' values; only little-endian float32 ('<f4'), float64 ('<f8') and int64 ('<i8') are supported");
        EXPECT_EQ(error(numpy_file("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", std::string(16, '\0'))),
                  where + "is in Fortran (column-major) order; save it with np.ascontiguousarray first");
        EXPECT_EQ(error(numpy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", std::string(12, '\0'))),
                  where + "holds 12 bytes of data; its shape (2, 2) needs 16");
    }

    using mlp = network<input<7>, dense<5>, precast::tanh, dense<3, no_bias>, dense<2>>;

    TEST_F(npy_files, a_networks_weights_round_trip_through_npz_with_pytorch_layout_names)
    {
        const mlp saved(he_normal{}, 4);
        mlp loaded(he_normal{}, 5);
        save_npz(dir_ / "w.npz", saved);
        load_npz(dir_ / "w.npz", loaded);
        for (std::size_t i = 0; i < 5 * 7 + 5; ++i)
        {
            ASSERT_EQ(loaded.at<0>().parameters()[i], saved.at<0>().parameters()[i]);
        }
        for (std::size_t i = 0; i < 3 * 5; ++i)
        {
            ASSERT_EQ(loaded.at<2>().parameters()[i], saved.at<2>().parameters()[i]);
        }
        // The archive, read by Python's own zipfile module when there is a Python: the names, and every CRC-32.
        if (std::system("python3 -c 'import zipfile' > /dev/null 2>&1") == 0)
        {
            const fs::path listing = dir_ / "names.txt";
            const std::string command = "python3 -c \"import zipfile,sys; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; "
                                        "print(' '.join(sorted(z.namelist())))\" " +
                                        (dir_ / "w.npz").string() + " > " + listing.string();
            ASSERT_EQ(std::system(command.c_str()), 0);
            EXPECT_EQ(bytes_of(listing), "0.bias.npy 0.weights.npy 2.weights.npy 3.bias.npy 3.weights.npy\n");
        }
        // And the entry holding layer 0's weights is a .npy of shape (5, 7): [out][in], as torch.nn.Linear.weight.
        network<input<7>, dense<6>, precast::tanh, dense<3, no_bias>, dense<2>> other;
        const float before = other.at<0>().parameters()[0];
        try
        {
            load_npz(dir_ / "w.npz", other);
            FAIL() << "loaded 5x7 weights into a 6x7 layer";
        }
        catch (const npy_error& e)
        {
            EXPECT_EQ(std::string(e.what()), "precast: " + (dir_ / "w.npz").string() + ": array 0.weights has shape (5, 7); this network needs (6, 7)");
        }
        EXPECT_EQ(other.at<0>().parameters()[0], before);  // unchanged
        network<input<7>, dense<5>, precast::tanh, dense<3>, dense<2>> with_bias;
        try
        {
            load_npz(dir_ / "w.npz", with_bias);
            FAIL() << "loaded a bias that is not there";
        }
        catch (const npy_error& e)
        {
            EXPECT_EQ(std::string(e.what()), "precast: " + (dir_ / "w.npz").string() + ": has no array 2.bias (this network's layer 2)");
        }
    }

    TEST_F(npy_files, npz_parameters_that_are_not_finite_are_refused)
    {
        mlp diverged(he_normal{}, 4);
        diverged.at<0>().parameters()[3] = std::numeric_limits<float>::quiet_NaN();
        save_npz(dir_ / "nan.npz", diverged);
        mlp net(he_normal{}, 5);
        const float before = net.at<0>().parameters()[3];
        try
        {
            load_npz(dir_ / "nan.npz", net);
            FAIL() << "loaded NaN weights";
        }
        catch (const npy_error& e)
        {
            EXPECT_EQ(std::string(e.what()), "precast: " + (dir_ / "nan.npz").string() +
                                                 ": array 0.weights holds NaN at flat index 3; a network's parameters and statistics must be finite");
        }
        EXPECT_EQ(net.at<0>().parameters()[3], before);
    }

    // Named arrays: what np.savez(path, x=..., w=...) writes, in and out. The bytes of each entry are the .npy
    // file save_npy writes, so NumPy reads them; the names come back as given.
    TEST_F(npy_files, named_arrays_round_trip_through_npz)
    {
        const std::map<std::string, npy_array<double>> arrays{{"x", {{2, 3}, {1, 2, 3, 4, 5, 6}}}, {"scale", {{1}, {0.25}}}, {"empty", {{0}, {}}}};
        save_npz(dir_ / "named.npz", arrays);
        const auto back = load_npz_arrays<double>(dir_ / "named.npz");
        ASSERT_EQ(back.size(), 3u);
        EXPECT_EQ(back.at("x").shape, (std::vector<std::size_t>{2, 3}));
        EXPECT_EQ(back.at("x").values, (std::vector<double>{1, 2, 3, 4, 5, 6}));
        EXPECT_EQ(back.at("scale").values, (std::vector<double>{0.25}));
        EXPECT_TRUE(back.at("empty").values.empty());
        // Each entry is the .npy file save_npy writes for the same array.
        save_npy<double>(dir_ / "x.npy", std::span<const double>(arrays.at("x").values), std::span<const std::size_t>(arrays.at("x").shape));
        const std::string archive = bytes_of(dir_ / "named.npz");
        EXPECT_NE(archive.find(bytes_of(dir_ / "x.npy")), std::string::npos);
        EXPECT_NE(archive.find("x.npy"), std::string::npos);
        // float32 entries convert to float.
        save_npz<float>(dir_ / "single.npz", {{"w", {{2}, {0.5f, -1.5f}}}});
        EXPECT_EQ(load_npz_arrays<double>(dir_ / "single.npz").at("w").values, (std::vector<double>{0.5, -1.5}));
    }

    TEST_F(npy_files, named_arrays_that_do_not_fit_their_shape_or_have_no_name_are_refused)
    {
        const auto message = [&](const std::map<std::string, npy_array<float>>& arrays) {
            try
            {
                save_npz(dir_ / "bad.npz", arrays);
            }
            catch (const npy_error& e)
            {
                return std::string(e.what());
            }
            return std::string("no error");
        };
        const std::string where = "precast::save_npz: " + (dir_ / "bad.npz").string() + ": ";
        EXPECT_EQ(message({{"x", {{2, 2}, {1, 2, 3}}}}), where + "array x's shape holds 4 values, not 3");
        EXPECT_EQ(message({{"", {{1}, {1}}}}), where + "an array has an empty name");
        EXPECT_FALSE(fs::exists(dir_ / "bad.npz"));
    }
}
