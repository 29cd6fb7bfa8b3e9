// futex_parker.cpp — the default parker: one futex word per worker.
// States: empty (no permit), parked (the owner sleeps on the word), notified (a permit).
// unpark() swaps in `notified` and issues FUTEX_WAKE only when the owner was asleep, so a
// busy runtime pays one atomic exchange per wake-up and no system call.
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <cstdint>
#include <ctime>

#include <weft/detail/parker.hpp>

namespace weft::detail {
namespace {

enum : std::uint32_t { empty = 0, parked = 1, notified = 2 };

class futex_parker final : public parker {
public:
    void park(std::chrono::nanoseconds timeout) override {
        std::uint32_t expected = notified;
        if (state_.compare_exchange_strong(expected, empty, std::memory_order_acquire)) return;
        expected = empty;
        if (!state_.compare_exchange_strong(expected, parked, std::memory_order_acquire)) {
            // Only unpark() changes the state besides us: it is `notified` now.
            state_.store(empty, std::memory_order_release);
            return;
        }
        timespec ts{};
        timespec* tsp = nullptr;
        if (timeout.count() >= 0) {
            ts.tv_sec = static_cast<time_t>(timeout.count() / 1'000'000'000);
            ts.tv_nsec = static_cast<long>(timeout.count() % 1'000'000'000);
            tsp = &ts;
        }
        while (state_.load(std::memory_order_acquire) == parked) {
            long rc = syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&state_), FUTEX_WAIT_PRIVATE, parked, tsp,
                              nullptr, 0);
            if (rc != 0 && tsp != nullptr && errno == ETIMEDOUT) break;
        }
        // Either notified, or timed out: consume whatever is there.
        state_.exchange(empty, std::memory_order_acquire);
    }

    void unpark() noexcept override {
        if (state_.exchange(notified, std::memory_order_release) == parked)
            syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&state_), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
    }

private:
    std::atomic<std::uint32_t> state_{empty};
};
static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));

}  // namespace

std::unique_ptr<parker> make_futex_parker() { return std::make_unique<futex_parker>(); }

}  // namespace weft::detail
