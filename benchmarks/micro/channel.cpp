// channel.cpp — channel<uint64_t> of capacity 1: a send and a receive by the same task
// (try_send/try_recv, and co_await send/recv, which never suspend here: the cost of the
// awaiters and their cancellation bookkeeping), and a round trip between two tasks (W4's
// pattern; with 2 workers the tasks may sit on different workers).
#include <cstdint>
#include <optional>
#include <stdexcept>

#include <weft/channel.hpp>
#include <weft/runtime.hpp>

#include "micro.hpp"

namespace weft::micro {
namespace {

using u64_channel = weft::channel<std::uint64_t>;

weft::task<> try_send_recv(u64_channel* ch, int n) {
    for (int i = 0; i < n; ++i) {
        if (!ch->try_send(static_cast<std::uint64_t>(i))) throw std::logic_error("try_send failed");
        benchmark::DoNotOptimize(ch->try_recv());
    }
    co_return;
}

weft::task<> await_send_recv(u64_channel* ch, int n) {
    for (int i = 0; i < n; ++i) {
        co_await ch->send(static_cast<std::uint64_t>(i));
        benchmark::DoNotOptimize(co_await ch->recv());
    }
}

weft::task<> echo(u64_channel* requests, u64_channel* replies) {
    while (std::optional<std::uint64_t> v = co_await requests->recv()) co_await replies->send(*v);
}

weft::task<> ping_pong(int rounds) {
    u64_channel requests(1);
    u64_channel replies(1);
    auto echoer = weft::spawn(echo(&requests, &replies));
    for (int i = 0; i < rounds; ++i) {
        co_await requests.send(static_cast<std::uint64_t>(i));
        benchmark::DoNotOptimize(co_await replies.recv());
    }
    requests.close();
    co_await echoer;
}

void BM_channel_try_same_task(benchmark::State& state) {
    weft::runtime rt(workers_from(state));
    u64_channel ch(1);
    for (auto _ : state) rt.block_on(try_send_recv(&ch, batch));
    count_batches(state);
}
BENCHMARK(BM_channel_try_same_task)->ArgName("workers")->Arg(1)->UseRealTime();

void BM_channel_await_same_task(benchmark::State& state) {
    weft::runtime rt(workers_from(state));
    u64_channel ch(1);
    for (auto _ : state) rt.block_on(await_send_recv(&ch, batch));
    count_batches(state);
}
BENCHMARK(BM_channel_await_same_task)->ArgName("workers")->Arg(1)->UseRealTime();

void BM_channel_ping_pong(benchmark::State& state) {
    weft::runtime rt(workers_from(state));
    for (auto _ : state) rt.block_on(ping_pong(batch));
    count_batches(state);
}
BENCHMARK(BM_channel_ping_pong)->ArgName("workers")->Arg(1)->Arg(2)->UseRealTime();

}  // namespace
}  // namespace weft::micro
