// Files under both drivers (io_uring natively, epoll through the blocking pool): a 64 MiB
// file written and read back with checksums, read_at/write_at at offsets, fsync, errors
// that name the path.
#include <stdlib.h>
#include <unistd.h>

#include <weft/file.hpp>
#include <weft/when_all.hpp>

#include "io_test_support.hpp"

namespace {

using weft::task;

class file_io : public weft::test::io_test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/weft-file-test-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override {
        for (auto& f : created_) ::unlink(f.c_str());
        ::rmdir(dir_.c_str());
    }
    std::string path(const std::string& name) {
        created_.push_back(dir_ + "/" + name);
        return created_.back();
    }
    std::string dir_;
    std::vector<std::string> created_;
};
WEFT_IO_TEST_SUITE(file_io);

TEST_P(file_io, sixty_four_mib_round_trip_with_checksums) {
    auto data = weft::test::random_bytes(64 << 20, 11);
    std::string p = path("big.bin");
    weft::runtime rt(config(2));
    auto run = [&]() -> task<void> {
        co_await weft::write_file(p, std::string(reinterpret_cast<const char*>(data.data()), data.size()));
        std::string back = co_await weft::read_file(p);
        EXPECT_EQ(back.size(), data.size());
        EXPECT_EQ(weft::test::checksum(weft::as_bytes(back)), weft::test::checksum(data));
        // Chunked reads at offsets, 4 in flight at once.
        weft::file f = co_await weft::file::open(p);
        EXPECT_EQ(f.size(), data.size());
        std::uint64_t h = weft::test::checksum({});
        std::vector<std::byte> bufs(4 << 20);
        for (std::uint64_t off = 0; off < data.size(); off += bufs.size()) {
            auto part = [&f](std::span<std::byte> b, std::uint64_t at) -> task<std::size_t> {
                std::size_t got = 0;
                while (got < b.size()) {
                    std::size_t n = co_await f.read_at(b.subspan(got), at + got);
                    if (n == 0) break;
                    got += n;
                }
                co_return got;
            };
            const std::size_t q = bufs.size() / 4;
            std::span<std::byte> all(bufs);
            auto [a, b, c, d] = co_await weft::when_all(part(all.subspan(0, q), off), part(all.subspan(q, q), off + q),
                                                        part(all.subspan(2 * q, q), off + 2 * q),
                                                        part(all.subspan(3 * q, q), off + 3 * q));
            EXPECT_EQ(a + b + c + d, bufs.size());
            h = weft::test::checksum(all, h);
        }
        EXPECT_EQ(h, weft::test::checksum(data));
    };
    rt.block_on(run());
}

TEST_P(file_io, write_at_offsets_and_fsync) {
    std::string p = path("offsets.txt");
    weft::runtime rt(config(1));
    auto run = [&]() -> task<void> {
        weft::file f = co_await weft::file::open(p, O_RDWR | O_CREAT | O_TRUNC, 0600);
        co_await f.write_all_at(weft::as_bytes("world"), 6);
        co_await f.write_all_at(weft::as_bytes("hello "), 0);
        co_await f.fsync();
        std::array<std::byte, 32> buf;
        std::size_t n = co_await f.read_at(buf, 0);
        EXPECT_EQ(std::string(reinterpret_cast<const char*>(buf.data()), n), "hello world");
        EXPECT_EQ(co_await f.read_at(buf, 100), 0u);  // past the end
        f.close();
        EXPECT_EQ(co_await weft::read_file(p), "hello world");
    };
    rt.block_on(run());
}

TEST_P(file_io, errors_name_the_path) {
    weft::runtime rt(config(1));
    auto run = [&]() -> task<void> {
        try {
            co_await weft::file::open(dir_ + "/does-not-exist");
            ADD_FAILURE() << "opened a missing file";
        } catch (const weft::system_error& e) {
            EXPECT_EQ(e.code().value(), ENOENT);
            EXPECT_NE(std::string(e.what()).find("does-not-exist"), std::string::npos) << e.what();
        }
        EXPECT_THROW(co_await weft::read_file(dir_), weft::system_error);  // a directory: EISDIR
    };
    rt.block_on(run());
}

}  // namespace
