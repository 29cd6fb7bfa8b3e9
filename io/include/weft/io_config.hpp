// weft/io_config.hpp — the io module's section of runtime_config: `[io]` in a TOML file,
// WEFT_IO_* in the environment. Which I/O driver the workers' reactors use, its sizes, and
// the blocking pool (spawn_blocking, file I/O under epoll).
//
//   weft::runtime_config cfg = weft::runtime_config::load();
//   cfg.section<weft::io_config>().driver = weft::io_driver_kind::epoll;
//   weft::runtime rt(cfg);
//
//   # weft.toml                     # or: WEFT_IO_DRIVER=epoll
//   [io]
//   driver = "io_uring"
//   uring_entries = 512
//
// docs/configuration.md lists every key with its range; docs/io-drivers.md how to choose.
// Thread safety: a plain value type.
#pragma once

#include <cstdint>
#include <string>

#include <weft/config.hpp>

namespace weft {

// Which I/O driver the workers' reactors use (docs/io-drivers.md). `automatic` picks
// io_uring where the kernel allows it and falls back to epoll, logging why.
enum class io_driver_kind { automatic, epoll, io_uring };

// The driver's name as configuration spells it ("auto", "epoll", "io_uring").
std::string to_string(io_driver_kind k);

// The io section of runtime_config: [io] in TOML, WEFT_IO_* (docs/configuration.md).
struct io_config {
    // "io": the section's name in TOML and in WEFT_IO_*.
    static constexpr const char* section_name = "io";

    // The driver ("auto", "epoll" or "io_uring").
    io_driver_kind driver = io_driver_kind::automatic;
    // io_uring: submission queue entries per worker ring; a power of two in 8..32768.
    std::uint32_t uring_entries = 256;
    // io_uring: a worker submits at once when this many operations are queued (otherwise at
    // its next poll, before it parks, or every global_queue_interval tasks); 1..4096.
    std::uint32_t submit_batch = 32;
    // io_uring: provided buffers per worker ring for multishot receive on TCP streams (a
    // power of two in 0..32768; 0 turns multishot receive and accept off), and their size in
    // bytes (64..1048576). Bytes received wait in them until read: count x size per worker.
    std::uint32_t uring_recv_buffers = 256;
    // Size of each provided buffer, in bytes (see above).
    std::uint32_t uring_recv_buffer_size = 4096;
    // epoll: events taken per epoll_wait; 1..65536.
    std::uint32_t events_per_wait = 256;
    // Threads of the blocking pool (spawn_blocking, file I/O under epoll): at most this many,
    // started on demand; 1..4096.
    std::uint32_t blocking_threads = 64;
    // A blocking-pool thread idle this long (milliseconds) exits; 1..3600000.
    std::uint32_t blocking_keep_alive_ms = 10'000;

    void apply(const config_value& v);  // throws config_error
    void validate() const;              // throws config_error
};

}  // namespace weft
