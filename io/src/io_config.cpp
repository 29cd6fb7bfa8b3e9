// io_config.cpp — the keys of the [io] section (see weft/io_config.hpp).
#include <weft/io_config.hpp>

namespace weft {
namespace {

io_driver_kind parse_driver(const config_value& v) {
    std::string t = config_parse::to_string(v);
    if (t == "auto") return io_driver_kind::automatic;
    if (t == "epoll") return io_driver_kind::epoll;
    if (t == "io_uring" || t == "uring") return io_driver_kind::io_uring;
    config_parse::reject(v, "expected one of auto, epoll, io_uring");
}

}  // namespace

void io_config::apply(const config_value& v) {
    if (v.key == "driver")
        driver = parse_driver(v);
    else if (v.key == "uring_entries")
        uring_entries = config_parse::to_uint(v, 8, 32768, true);
    else if (v.key == "submit_batch")
        submit_batch = config_parse::to_uint(v, 1, 4096);
    else if (v.key == "events_per_wait")
        events_per_wait = config_parse::to_uint(v, 1, 65536);
    else if (v.key == "blocking_threads")
        blocking_threads = config_parse::to_uint(v, 1, 4096);
    else if (v.key == "blocking_keep_alive_ms")
        blocking_keep_alive_ms = config_parse::to_uint(v, 1, 3'600'000);
    else
        config_parse::reject(v,
                             "unknown key of section [io] (keys: driver, uring_entries, submit_batch, "
                             "events_per_wait, blocking_threads, blocking_keep_alive_ms)");
}

void io_config::validate() const {
    config_parse::check_uint("io.uring_entries", uring_entries, 8, 32768, true);
    config_parse::check_uint("io.submit_batch", submit_batch, 1, 4096);
    config_parse::check_uint("io.events_per_wait", events_per_wait, 1, 65536);
    config_parse::check_uint("io.blocking_threads", blocking_threads, 1, 4096);
    config_parse::check_uint("io.blocking_keep_alive_ms", blocking_keep_alive_ms, 1, 3'600'000);
}

std::string to_string(io_driver_kind k) {
    switch (k) {
        case io_driver_kind::automatic:
            return "auto";
        case io_driver_kind::epoll:
            return "epoll";
        case io_driver_kind::io_uring:
            return "io_uring";
    }
    return "?";
}

}  // namespace weft
