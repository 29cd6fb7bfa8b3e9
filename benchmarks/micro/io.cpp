// io.cpp — pipe ping-pong round trips and file reads under each I/O driver, against the
// same loops written with plain blocking system calls (two threads for the ping-pong, one
// pread loop for the file). Arguments: driver (0 epoll, 1 io_uring), workers.
#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <weft/async_fd.hpp>
#include <weft/file.hpp>
#include <weft/runtime.hpp>

#include "micro.hpp"

namespace weft::micro {
namespace {

constexpr int rounds = 2'000;  // round trips per block_on
constexpr std::size_t file_size = 64 << 20;
constexpr std::size_t block = 128 << 10;

weft::runtime_config io_config(const benchmark::State& state) {
    weft::runtime_config c;
    c.section<weft::io_config>().driver =
        state.range(0) == 0 ? weft::io_driver_kind::epoll : weft::io_driver_kind::io_uring;
    c.workers = static_cast<std::uint32_t>(state.range(1));
    return c;
}

weft::task<> pong(weft::async_fd in, weft::async_fd out) {
    std::array<std::byte, 8> b;
    while (co_await in.read_some(b) == b.size()) co_await out.write_some(b);
}

weft::task<> ping(int n) {
    auto [a_in, b_out] = weft::make_pipe();
    auto [b_in, a_out] = weft::make_pipe();
    auto other = weft::spawn(pong(std::move(b_in), std::move(b_out)));
    std::array<std::byte, 8> b{};
    for (int i = 0; i < n; ++i) {
        co_await a_out.write_some(b);
        co_await a_in.read_some(b);
    }
    a_out.close();
    co_await other;
}

void BM_pipe_ping_pong(benchmark::State& state) {
    weft::runtime rt(io_config(state));
    for (auto _ : state) rt.block_on(ping(rounds));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * rounds);
    state.SetLabel(state.range(0) == 0 ? "epoll" : "io_uring");
}

void BM_pipe_ping_pong_blocking_threads(benchmark::State& state) {
    int p1[2], p2[2];
    if (::pipe(p1) < 0 || ::pipe(p2) < 0) throw std::runtime_error("pipe");
    std::thread echo([&] {
        char b[8];
        while (::read(p1[0], b, 8) == 8)
            if (::write(p2[1], b, 8) != 8) break;
    });
    char b[8] = {};
    for (auto _ : state)
        for (int i = 0; i < rounds; ++i) {
            if (::write(p1[1], b, 8) != 8 || ::read(p2[0], b, 8) != 8) state.SkipWithError("pipe");
        }
    ::close(p1[1]);
    echo.join();
    ::close(p1[0]);
    ::close(p2[0]);
    ::close(p2[1]);
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * rounds);
}

// A 64 MiB file in /tmp, written once.
const std::string& test_file() {
    static const std::string path = [] {
        std::string p = "/tmp/weft-micro-io-" + std::to_string(::getpid());
        int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        std::vector<char> buf(block, 'w');
        for (std::size_t off = 0; off < file_size; off += block)
            if (::write(fd, buf.data(), buf.size()) != static_cast<ssize_t>(buf.size())) std::abort();
        ::close(fd);
        std::atexit([] { ::unlink(("/tmp/weft-micro-io-" + std::to_string(::getpid())).c_str()); });
        return p;
    }();
    return path;
}

weft::task<> read_whole(std::string path, std::vector<std::byte>* buf) {
    weft::file f = co_await weft::file::open(path);
    for (std::uint64_t off = 0; off < file_size;) {
        std::size_t n = co_await f.read_at(*buf, off);
        if (n == 0) break;
        off += n;
    }
}

void BM_file_read(benchmark::State& state) {
    const std::string& path = test_file();
    weft::runtime rt(io_config(state));
    std::vector<std::byte> buf(block);
    for (auto _ : state) rt.block_on(read_whole(path, &buf));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * file_size));
    state.SetLabel(state.range(0) == 0 ? "epoll (blocking pool)" : "io_uring");
}

void BM_file_read_blocking_pread(benchmark::State& state) {
    const std::string& path = test_file();
    std::vector<char> buf(block);
    for (auto _ : state) {
        int fd = ::open(path.c_str(), O_RDONLY);
        for (std::uint64_t off = 0; off < file_size;) {
            ssize_t n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(off));
            if (n <= 0) break;
            off += static_cast<std::uint64_t>(n);
        }
        ::close(fd);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * file_size));
}

BENCHMARK(BM_pipe_ping_pong)->ArgsProduct({{0, 1}, {1, 2}})->UseRealTime();
BENCHMARK(BM_pipe_ping_pong_blocking_threads)->UseRealTime();
BENCHMARK(BM_file_read)->ArgsProduct({{0, 1}, {1}})->UseRealTime();
BENCHMARK(BM_file_read_blocking_pread)->UseRealTime();

}  // namespace
}  // namespace weft::micro
