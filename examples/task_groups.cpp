// task_groups.cpp — the task group patterns of docs/structured-concurrency.md, runnable: a
// crawl in a task_group, a server's connections in a task_scope, and bounded concurrency
// with a semaphore. "Fetching" is a short sleep, so it runs anywhere.
#include <fmt/format.h>

#include <chrono>
#include <string>
#include <vector>

#include <weft/weft.hpp>

using namespace std::chrono_literals;

struct page {
    std::string url;
    std::size_t bytes = 0;
};

std::vector<page> stored;
void store(page p) { stored.push_back(std::move(p)); }

weft::task<page> fetch(std::string url) {
    co_await weft::sleep_for(1ms);  // the network, in a real crawler
    co_return page{url, url.size() * 100};
}

weft::task<> crawl(std::vector<std::string> urls) {
    weft::task_group group;  // async with TaskGroup() as tg:
    std::vector<weft::group_handle<page>> pages;
    for (auto& u : urls) pages.push_back(group.spawn(fetch(u)));  // tg.create_task(...)
    co_await group.join();                                        // (end of the async with)
    for (auto& p : pages) store(p.result());                      // task.result()
}

weft::task<> handle(weft::net::tcp_stream conn) {
    std::array<std::byte, 64> buf;
    while (std::size_t n = co_await conn.read_some(buf)) co_await conn.write_all(std::span(buf.data(), n));
}

weft::task<> serve(weft::net::tcp_listener& l) {
    weft::task_scope connections;
    std::exception_ptr stopped;
    try {
        while (true) connections.spawn(handle(co_await l.accept()));  // one task per connection
    } catch (...) {                                                   // serve() was cancelled (or accept failed)
        stopped = std::current_exception();
    }
    connections.cancel();         // or leave this out to let open connections finish
    co_await connections.join();  // no co_await is allowed inside a catch block
    if (stopped) std::rethrow_exception(stopped);
}

weft::task<> fetch_limited(weft::semaphore* slots, std::string url) {
    auto permit = co_await slots->scoped_acquire();  // released when the task ends
    co_await fetch(std::move(url));
}

weft::task<int> main_task() {
    std::vector<std::string> urls{"a", "bb", "ccc"};  // not a braced list inside co_await (gcc 12)
    co_await crawl(std::move(urls));
    weft::semaphore slots(2);
    weft::task_group group;
    std::vector<std::string> more{"d", "e", "f", "g"};
    for (auto& u : more) (void)group.spawn(fetch_limited(&slots, u));
    co_await group.join();
    auto listener = weft::net::tcp_listener::bind(weft::net::socket_address::parse("127.0.0.1:0"));
    auto server = weft::spawn(serve(listener));
    auto client = co_await weft::net::tcp_stream::connect(listener.local_address());
    co_await client.write_all(weft::as_bytes("ping"));
    std::array<std::byte, 4> back;
    co_await client.read_exact(back);
    server.cancel();
    try {
        co_await server;
    } catch (const weft::cancelled_error&) {
    }
    fmt::print("stored {} pages, echoed {} bytes\n", stored.size(), back.size());
    co_return stored.size() == 3 ? 0 : 1;
}

int main() {
    try {
        return weft::run(main_task());       // asyncio.run
    } catch (const weft::config_error& e) {  // a bad WEFT_* variable or $WEFT_CONFIG file
        fmt::print(stderr, "{}\n", e.what());
        return 2;
    }
}
