// The IDX reader: the real Fashion-MNIST files, and every kind of malformed file, each with its exact message.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <zlib.h>

#include <gtest/gtest.h>

#include <precast/data/idx.hpp>

namespace
{
    namespace fs = std::filesystem;
    using precast::data::idx_error;

    const fs::path fashion_mnist = "/usr/share/datasets/fashion-mnist";

    // A scratch directory per test, removed afterwards.
    class idx_files : public ::testing::Test
    {
    protected:
        void SetUp() override
        {
            dir_ = fs::temp_directory_path() / ("precast_idx_test_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
            fs::remove_all(dir_);
            fs::create_directories(dir_);
        }
        void TearDown() override { fs::remove_all(dir_); }

        fs::path write(const std::string& name, const std::vector<std::uint8_t>& bytes) const
        {
            const fs::path path = dir_ / name;
            std::ofstream out(path, std::ios::binary);
            out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
            return path;
        }

        fs::path dir_;
    };

    std::vector<std::uint8_t> header(std::uint8_t type, std::vector<std::uint32_t> dims)
    {
        std::vector<std::uint8_t> h{0, 0, type, static_cast<std::uint8_t>(dims.size())};
        for (const std::uint32_t d : dims)
        {
            h.push_back(static_cast<std::uint8_t>(d >> 24));
            h.push_back(static_cast<std::uint8_t>(d >> 16));
            h.push_back(static_cast<std::uint8_t>(d >> 8));
            h.push_back(static_cast<std::uint8_t>(d));
        }
        return h;
    }
    std::vector<std::uint8_t> with_values(std::vector<std::uint8_t> h, std::size_t count, std::uint8_t value = 7)
    {
        h.insert(h.end(), count, value);
        return h;
    }
    std::vector<std::uint8_t> gzip(const std::vector<std::uint8_t>& plain)
    {
        z_stream s{};
        deflateInit2(&s, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
        std::vector<std::uint8_t> out(deflateBound(&s, static_cast<uLong>(plain.size())) + 64);
        s.next_in = const_cast<Bytef*>(plain.data());
        s.avail_in = static_cast<uInt>(plain.size());
        s.next_out = out.data();
        s.avail_out = static_cast<uInt>(out.size());
        deflate(&s, Z_FINISH);
        out.resize(s.total_out);
        deflateEnd(&s);
        return out;
    }

    std::string error_of(const fs::path& images, const fs::path& labels)
    {
        try
        {
            (void)precast::data::load_idx_dataset<float>(images, labels, precast::data::pixel_scaling::unit_interval);
        }
        catch (const idx_error& e)
        {
            return e.what();
        }
        return "(no error)";
    }
    std::string error_of(const fs::path& file)
    {
        try
        {
            (void)precast::data::read_idx(file);
        }
        catch (const idx_error& e)
        {
            return e.what();
        }
        return "(no error)";
    }

    TEST(idx_reader, reads_the_real_fashion_mnist_files)
    {
        if (!fs::exists(fashion_mnist / "t10k-images-idx3-ubyte.gz"))
        {
            GTEST_SKIP() << "dataset-fashion-mnist is not installed (scripts/bootstrap.sh installs it)";
        }
        const auto test = precast::data::load_idx_dataset<float>(fashion_mnist / "t10k-images-idx3-ubyte.gz", fashion_mnist / "t10k-labels-idx1-ubyte.gz",
                                                                 precast::data::pixel_scaling::unit_interval);
        EXPECT_EQ(test.samples.size(), 10000u);
        EXPECT_EQ(test.rows, 28u);
        EXPECT_EQ(test.columns, 28u);
        // Fashion-MNIST's test set has 1000 images of each of its 10 classes.
        std::vector<std::size_t> per_class(10);
        for (std::size_t i = 0; i < test.samples.size(); ++i)
        {
            ++per_class[test.samples.label(i)];
        }
        for (std::size_t c = 0; c < 10; ++c)
        {
            EXPECT_EQ(per_class[c], 1000u) << "class " << c;
        }
        float low = 1;
        float high = 0;
        for (std::size_t i = 0; i < test.samples.size(); ++i)
        {
            for (const float v : test.samples.features(i))
            {
                low = std::min(low, v);
                high = std::max(high, v);
            }
        }
        EXPECT_EQ(low, 0.0f);
        EXPECT_EQ(high, 1.0f);
    }

    TEST_F(idx_files, a_valid_plain_and_a_valid_gzip_file_decode_alike)
    {
        const auto images = with_values(header(8, {3, 2, 2}), 12, 51);
        const auto labels = std::vector<std::uint8_t>{0, 0, 8, 1, 0, 0, 0, 3, 2, 0, 9};
        const auto plain = precast::data::load_idx_dataset<double>(write("i", images), write("l", labels), precast::data::pixel_scaling::unit_interval);
        const auto zipped =
            precast::data::load_idx_dataset<double>(write("i.gz", gzip(images)), write("l.gz", gzip(labels)), precast::data::pixel_scaling::unit_interval);
        ASSERT_EQ(plain.samples.size(), 3u);
        EXPECT_EQ(plain.samples.features(1)[3], 0.2);  // 51 / 255
        EXPECT_EQ(plain.samples.label(0), 2u);
        EXPECT_EQ(plain.samples.label(2), 9u);
        EXPECT_EQ(zipped.samples.features(2)[0], 0.2);
        EXPECT_EQ(zipped.samples.label(1), 0u);
    }

    TEST_F(idx_files, every_malformed_file_is_an_error_naming_the_file_and_the_problem)
    {
        const auto labels = write("labels", with_values(header(8, {3}), 3, 1));
        const std::string d = dir_.string() + "/";
        auto images = [&](const std::string& name, const std::vector<std::uint8_t>& bytes) { return error_of(write(name, bytes), labels); };

        EXPECT_EQ(error_of(dir_ / "missing"), "precast::data: " + d + "missing: does not exist");
        EXPECT_EQ(error_of(dir_), "precast::data: " + dir_.string() + ": is a directory, not an IDX file");
        EXPECT_EQ(images("empty", {}), "precast::data: " + d + "empty: is empty");
        EXPECT_EQ(images("short", {0, 0}), "precast::data: " + d + "short: is 2 bytes long, shorter than an IDX header (4 bytes)");
        EXPECT_EQ(images("png", {0x89, 'P', 'N', 'G', 0, 0, 0, 0}), "precast::data: " + d + "png: is not an IDX file: it starts with 89 50 4e 47, not 00 00");
        EXPECT_EQ(images("floats", with_values(header(0x0D, {3, 2, 2}), 48)),
                  "precast::data: " + d + "floats: holds IDX type 13; only unsigned bytes (type 8) are supported");
        EXPECT_EQ(images("rank0", {0, 0, 8, 0}), "precast::data: " + d + "rank0: declares 0 dimensions; IDX data sets have 1 to 4");
        EXPECT_EQ(images("header", {0, 0, 8, 3, 0, 0, 0, 3, 0, 0}), "precast::data: " + d + "header: is truncated inside its header (10 of 16 bytes)");
        EXPECT_EQ(images("zero", with_values(header(8, {3, 0, 2}), 0)), "precast::data: " + d + "zero: dimension 1 is 0");
        EXPECT_EQ(images("absurd", with_values(header(8, {0xFFFFFFFF, 0xFFFFFFFF, 28}), 16)),
                  "precast::data: " + d + "absurd: declares more than 1024 MiB of data, more than any IDX data set");
        EXPECT_EQ(images("truncated", with_values(header(8, {3, 2, 2}), 10)),
                  "precast::data: " + d + "truncated: is truncated: its header declares 12 values but 10 follow");
        EXPECT_EQ(images("long", with_values(header(8, {3, 2, 2}), 13)), "precast::data: " + d + "long: has 1 bytes after the 12 values its header declares");
        EXPECT_EQ(images("flat", with_values(header(8, {12}), 12)),
                  "precast::data: " + d + "flat: has 1 dimensions; an image file has 3 (count, rows, columns)");
        EXPECT_EQ(images("four", with_values(header(8, {4, 2, 2}), 16)), "precast::data: " + d + "labels: has 3 labels but " + d + "four has 4 images");
        EXPECT_EQ(error_of(write("ok", with_values(header(8, {3, 2, 2}), 12)), write("big_label", with_values(header(8, {3}), 3, 10))),
                  "precast::data: " + d + "big_label: label 10 of sample 0 is out of range: there are 10 classes (0 to 9)");

        const auto valid = gzip(with_values(header(8, {3, 2, 2}), 12));
        auto cut = valid;
        cut.resize(cut.size() - 12);
        EXPECT_EQ(images("cut.gz", cut), "precast::data: " + d + "cut.gz: the gzip data ends early (truncated file)");
        auto corrupt = valid;
        corrupt[12] ^= 0xFF;
        corrupt[13] ^= 0xFF;
        EXPECT_NE(images("corrupt.gz", corrupt).find("precast::data: " + d + "corrupt.gz: the gzip data is corrupt ("), std::string::npos);
        auto trailing = valid;
        trailing.push_back(0);
        EXPECT_EQ(images("trailing.gz", trailing), "precast::data: " + d + "trailing.gz: has data after the end of the gzip stream");
        // A gzip bomb: a 10 KB file that inflates to 10 MB, under a header declaring 12 values. The reader stops
        // after the first 64 KiB chunk instead of inflating (and allocating) all of it.
        EXPECT_EQ(images("bomb.gz", gzip(with_values(header(8, {3, 2, 2}), 10'000'000))),
                  "precast::data: " + d + "bomb.gz: decompresses to more than the 28 bytes its header declares");
    }
}
