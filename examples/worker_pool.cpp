// worker_pool.cpp — the asyncio.Queue documentation's worker pool, in weft.
//
//   async def worker(name, queue):
//       while True:
//           sleep_for = await queue.get(); await asyncio.sleep(sleep_for); queue.task_done()
//   async def main():
//       queue = asyncio.Queue()
//       for _ in range(20): queue.put_nowait(random.uniform(0.05, 1.0))
//       tasks = [asyncio.create_task(worker(f'worker-{i}', queue)) for i in range(3)]
//       await queue.join()
//       for task in tasks: task.cancel()
//       await asyncio.gather(*tasks, return_exceptions=True)
//
// Here the workers live in a task_group: cancel() stops them once the queue is drained, and
// join() waits until they have (their cancelled_error is not a failure of the group).
#include <atomic>
#include <chrono>
#include <random>

#include <fmt/format.h>

#include <weft/weft.hpp>

using namespace std::chrono;

// State is passed as parameters (copied into the frame), never captured by a lambda.
weft::task<> worker(int id, weft::queue<milliseconds>* jobs, std::atomic<long>* slept_ms) {
    while (true) {
        milliseconds d = co_await jobs->get();  // a cancellation point: how the worker stops
        co_await weft::sleep_for(d);
        slept_ms->fetch_add(d.count());
        jobs->task_done();
        fmt::print("worker-{} slept {} ms\n", id, d.count());
    }
}

weft::task<int> main_task() {
    weft::queue<milliseconds> jobs;  // unbounded, as asyncio.Queue()
    std::mt19937 rng(42);
    long planned = 0;
    for (int i = 0; i < 20; ++i) {
        milliseconds d(50 + static_cast<long>(rng() % 150));
        planned += d.count();
        jobs.put_nowait(d);
    }

    std::atomic<long> slept{0};
    auto t0 = steady_clock::now();
    weft::task_group workers;
    for (int i = 0; i < 3; ++i) (void)workers.spawn(worker(i, &jobs, &slept));
    co_await jobs.join();  // every job taken *and* marked done
    workers.cancel();      // the workers wait in get() forever otherwise
    co_await workers.join();

    long took = duration_cast<milliseconds>(steady_clock::now() - t0).count();
    fmt::print("3 workers slept {} ms in total ({} ms planned) in {} ms of wall time\n", slept.load(), planned, took);
    co_return (slept.load() == planned) ? 0 : 1;
}

int main() {
    try {
        return weft::run(main_task());       // asyncio.run
    } catch (const weft::config_error& e) {  // a bad WEFT_* variable or $WEFT_CONFIG file
        fmt::print(stderr, "{}\n", e.what());
        return 2;
    }
}
