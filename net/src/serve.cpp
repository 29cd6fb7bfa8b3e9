// serve.cpp — the accept loop (see weft/net/serve.hpp).
#include <weft/join_handle.hpp>
#include <weft/net/serve.hpp>
#include <weft/runtime.hpp>
#include <weft/sleep.hpp>
#include <weft/task_group.hpp>

#include <cstring>

#include <weft/internal/log.hpp>

namespace weft::net {
namespace {

using namespace std::chrono_literals;

// accept() failures that concern one connection, not the listener.
bool connection_error(int e) noexcept {
    return e == ECONNABORTED || e == ECONNRESET || e == EPROTO || e == EPERM || e == EINTR || e == ENETDOWN ||
           e == ENOPROTOOPT || e == EHOSTDOWN || e == ENONET || e == EHOSTUNREACH || e == ENETUNREACH;
}
bool out_of_resources(int e) noexcept { return e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM; }

task<void> stop_after(std::chrono::milliseconds grace, task_scope* scope) {
    co_await sleep_for(grace);
    scope->cancel();
}

}  // namespace

task<void> serve(tcp_listener& listener, std::function<task<void>(tcp_stream)> handler, serve_options opts) {
    task_scope scope;
    std::chrono::milliseconds backoff = 10ms;
    bool warned = false;
    std::exception_ptr failure;
    while (true) {
        std::error_code ec;
        tcp_stream conn;
        try {
            conn = co_await listener.accept(ec);
        } catch (const cancelled_error&) {
            break;
        }
        if (!ec) {
            backoff = 10ms;
            try {
                scope.spawn(handler(std::move(conn)));
            } catch (...) {  // the handler could not start (a throwing handler, no memory)
                failure = std::current_exception();
                break;
            }
            continue;
        }
        const int code = ec.value();
        if (!connection_error(code) && !out_of_resources(code)) {
            failure = std::make_exception_ptr(system_error(code, "accept on " + listener.local_address().to_string()));
            break;
        }
        if (connection_error(code)) continue;
        // Out of descriptors or buffers: wait for some to be freed, keep serving.
        if (!warned) {
            weft::detail::log().warn("serve {}: accept: {}; backing off and retrying (logged once)",
                                     listener.local_address().to_string(), std::strerror(code));
            warned = true;
        }
        bool stop = false;
        try {
            co_await sleep_for(backoff);
        } catch (const cancelled_error&) {
            stop = true;
        }
        if (stop) break;
        backoff = std::min<std::chrono::milliseconds>(backoff * 2, 1s);
    }
    listener.close();
    if (opts.grace_period) {
        auto guard = weft::spawn(stop_after(*opts.grace_period, &scope));
        co_await scope.join();
        guard.cancel();
        try {
            co_await guard;
        } catch (const cancelled_error&) {
        }
    } else {
        co_await scope.join();
    }
    if (failure) std::rethrow_exception(failure);
    throw cancelled_error();
}

}  // namespace weft::net
