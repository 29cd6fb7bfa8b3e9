// weft/net/serve.hpp — serve(): accept connections and run one task per connection until
// cancelled; asyncio's start_server + serve_forever, tokio's accept loop.
//
// Each connection's handler runs as a child of a task_scope: a handler that throws is
// logged and does not disturb the others. Cancelling the task running serve() stops
// accepting (the listener is closed) and waits for the connections to finish — or, after
// `grace_period`, cancels them and waits for that — and then rethrows cancelled_error.
// accept() survives what a busy server meets: out of descriptors (EMFILE/ENFILE: logged
// once, it backs off from 10 ms to 1 s and keeps serving once descriptors free up) and
// connections reset before they were accepted.
//
//   auto listener = weft::net::tcp_listener::bind(weft::net::socket_address::parse("127.0.0.1:8080"));
//   auto echo = [](weft::net::tcp_stream s) -> weft::task<void> { ... };
//   co_await weft::net::serve(listener, echo);          // until cancelled
//
// The handler is a plain function or a captureless lambda taking its state as parameters
// (a capturing coroutine lambda would outlive its captures: docs/guide.md).
//
// Thread safety: one serve() per listener; connections' handlers run concurrently on every
// worker, so state they share needs weft's sync primitives or atomics.
#pragma once

#include <chrono>
#include <functional>
#include <optional>

#include <weft/net/tcp.hpp>
#include <weft/task.hpp>

namespace weft::net {

struct serve_options {
    // After a stop, connections still running this long are cancelled; none: wait for them.
    std::optional<std::chrono::milliseconds> grace_period;
};

task<void> serve(tcp_listener& listener, std::function<task<void>(tcp_stream)> handler, serve_options opts = {});

}  // namespace weft::net
