// sync.cpp — the sync primitives against what a thread-based program would use, each
// baseline written here with std::mutex / std::condition_variable:
//   - channel throughput, 2 producers / 2 consumers, capacity 64: weft::channel on 2
//     workers vs a bounded queue guarded by std::mutex + two condition_variables, 4 threads;
//   - mutex lock/unlock uncontended (one task / one thread) and contended (4 tasks on 2
//     workers / 2 threads, each incrementing a shared counter under the lock);
//   - semaphore acquire/release uncontended, and 4 tasks sharing 2 permits; the baseline is
//     a counting semaphore made of std::mutex + std::condition_variable.
// items/s counts operations (messages, lock/unlock pairs, acquire/release pairs).
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <weft/channel.hpp>
#include <weft/mutex.hpp>
#include <weft/runtime.hpp>
#include <weft/semaphore.hpp>
#include <weft/when_all.hpp>

#include "micro.hpp"

namespace weft::micro {
namespace {

constexpr std::size_t mpmc_capacity = 64;

// ---- channel, 2 producers / 2 consumers ----

weft::task<> produce(weft::channel<std::uint64_t>* ch, int n) {
    for (int i = 0; i < n; ++i) co_await ch->send(static_cast<std::uint64_t>(i));
}

weft::task<> consume(weft::channel<std::uint64_t>* ch) {
    while (std::optional<std::uint64_t> v = co_await ch->recv()) benchmark::DoNotOptimize(*v);
}

weft::task<> close_after(weft::channel<std::uint64_t>* ch, int n) {
    co_await weft::when_all(produce(ch, n / 2), produce(ch, n / 2));
    ch->close();
}

weft::task<> channel_mpmc(int n) {
    weft::channel<std::uint64_t> ch(mpmc_capacity);
    co_await weft::when_all(close_after(&ch, n), consume(&ch), consume(&ch));
}

void BM_channel_mpmc_2p2c(benchmark::State& state) {
    weft::runtime rt(workers_from(state));
    for (auto _ : state) rt.block_on(channel_mpmc(batch * 10));
    count_batches(state, batch * 10);
}
BENCHMARK(BM_channel_mpmc_2p2c)->ArgName("workers")->Arg(2)->UseRealTime();

// The thread baseline: a bounded MPMC queue with a mutex and two condition variables.
class std_bounded_queue {
public:
    void push(std::uint64_t v) {
        std::unique_lock lock(mu_);
        not_full_.wait(lock, [&] { return q_.size() < mpmc_capacity; });
        q_.push_back(v);
        not_empty_.notify_one();
    }
    std::optional<std::uint64_t> pop() {
        std::unique_lock lock(mu_);
        not_empty_.wait(lock, [&] { return !q_.empty() || closed_; });
        if (q_.empty()) return std::nullopt;
        std::uint64_t v = q_.front();
        q_.pop_front();
        not_full_.notify_one();
        return v;
    }
    void close() {
        std::lock_guard lock(mu_);
        closed_ = true;
        not_empty_.notify_all();
    }

private:
    std::mutex mu_;
    std::condition_variable not_full_, not_empty_;
    std::deque<std::uint64_t> q_;
    bool closed_ = false;
};

void BM_std_queue_mpmc_2p2c(benchmark::State& state) {
    constexpr int n = batch * 10;
    for (auto _ : state) {
        std_bounded_queue q;
        std::vector<std::thread> ts;
        for (int c = 0; c < 2; ++c)
            ts.emplace_back([&q] {
                while (auto v = q.pop()) benchmark::DoNotOptimize(*v);
            });
        auto producer = [&q] {
            for (int i = 0; i < n / 2; ++i) q.push(static_cast<std::uint64_t>(i));
        };
        std::thread p1(producer), p2(producer);
        p1.join();
        p2.join();
        q.close();
        for (auto& t : ts) t.join();
    }
    count_batches(state, n);
}
BENCHMARK(BM_std_queue_mpmc_2p2c)->UseRealTime();

// ---- mutex ----

weft::task<> lock_unlock(weft::mutex* m, long* counter, int n) {
    for (int i = 0; i < n; ++i) {
        co_await m->lock();
        ++*counter;
        m->unlock();
    }
}

weft::task<> contended_locks(weft::mutex* m, long* counter, int n) {
    co_await weft::when_all(lock_unlock(m, counter, n / 4), lock_unlock(m, counter, n / 4),
                            lock_unlock(m, counter, n / 4), lock_unlock(m, counter, n / 4));
}

void BM_mutex_uncontended(benchmark::State& state) {
    weft::runtime rt(workers_from(state));
    weft::mutex m;
    long counter = 0;
    for (auto _ : state) rt.block_on(lock_unlock(&m, &counter, batch));
    benchmark::DoNotOptimize(counter);
    count_batches(state);
}
BENCHMARK(BM_mutex_uncontended)->ArgName("workers")->Arg(1)->UseRealTime();

void BM_mutex_contended_4_tasks(benchmark::State& state) {
    weft::runtime rt(workers_from(state));
    weft::mutex m;
    long counter = 0;
    for (auto _ : state) rt.block_on(contended_locks(&m, &counter, batch));
    benchmark::DoNotOptimize(counter);
    count_batches(state);
}
BENCHMARK(BM_mutex_contended_4_tasks)->ArgName("workers")->Arg(2)->UseRealTime();

void BM_std_mutex_uncontended(benchmark::State& state) {
    std::mutex m;
    long counter = 0;
    for (auto _ : state) {
        for (int i = 0; i < batch; ++i) {
            m.lock();
            ++counter;
            m.unlock();
        }
    }
    benchmark::DoNotOptimize(counter);
    count_batches(state);
}
BENCHMARK(BM_std_mutex_uncontended)->UseRealTime();

void BM_std_mutex_contended_2_threads(benchmark::State& state) {
    std::mutex m;
    long counter = 0;
    for (auto _ : state) {
        auto body = [&] {
            for (int i = 0; i < batch / 2; ++i) {
                std::lock_guard g(m);
                ++counter;
            }
        };
        std::thread a(body), b(body);
        a.join();
        b.join();
    }
    benchmark::DoNotOptimize(counter);
    count_batches(state);
}
BENCHMARK(BM_std_mutex_contended_2_threads)->UseRealTime();

// ---- semaphore ----

weft::task<> acquire_release(weft::semaphore* s, int n) {
    for (int i = 0; i < n; ++i) {
        co_await s->acquire();
        s->release();
    }
}

weft::task<> contended_permits(weft::semaphore* s, int n) {
    co_await weft::when_all(acquire_release(s, n / 4), acquire_release(s, n / 4), acquire_release(s, n / 4),
                            acquire_release(s, n / 4));
}

void BM_semaphore_uncontended(benchmark::State& state) {
    weft::runtime rt(workers_from(state));
    weft::semaphore s(1);
    for (auto _ : state) rt.block_on(acquire_release(&s, batch));
    count_batches(state);
}
BENCHMARK(BM_semaphore_uncontended)->ArgName("workers")->Arg(1)->UseRealTime();

void BM_semaphore_4_tasks_2_permits(benchmark::State& state) {
    weft::runtime rt(workers_from(state));
    weft::semaphore s(2);
    for (auto _ : state) rt.block_on(contended_permits(&s, batch));
    count_batches(state);
}
BENCHMARK(BM_semaphore_4_tasks_2_permits)->ArgName("workers")->Arg(2)->UseRealTime();

// The thread baseline: a counting semaphore from std::mutex + std::condition_variable.
class std_semaphore {
public:
    explicit std_semaphore(int n) : count_(n) {}
    void acquire() {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return count_ > 0; });
        --count_;
    }
    void release() {
        {
            std::lock_guard lock(mu_);
            ++count_;
        }
        cv_.notify_one();
    }

private:
    std::mutex mu_;
    std::condition_variable cv_;
    int count_;
};

void BM_std_semaphore_uncontended(benchmark::State& state) {
    std_semaphore s(1);
    for (auto _ : state) {
        for (int i = 0; i < batch; ++i) {
            s.acquire();
            s.release();
        }
    }
    count_batches(state);
}
BENCHMARK(BM_std_semaphore_uncontended)->UseRealTime();

void BM_std_semaphore_4_threads_2_permits(benchmark::State& state) {
    std_semaphore s(2);
    for (auto _ : state) {
        std::vector<std::thread> ts;
        for (int t = 0; t < 4; ++t)
            ts.emplace_back([&s] {
                for (int i = 0; i < batch / 4; ++i) {
                    s.acquire();
                    s.release();
                }
            });
        for (auto& t : ts) t.join();
    }
    count_batches(state);
}
BENCHMARK(BM_std_semaphore_4_threads_2_permits)->UseRealTime();

}  // namespace
}  // namespace weft::micro
