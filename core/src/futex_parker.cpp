// futex_parker.cpp — the parker of a runtime without an I/O driver: the owner sleeps on
// the permit word itself with FUTEX_WAIT, and wake() is one FUTEX_WAKE.
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

#include <weft/detail/parker.hpp>

namespace weft::detail {
namespace {

class futex_parker final : public parker {
protected:
    void wait(std::chrono::nanoseconds timeout) override {
        timespec ts{};
        timespec* tsp = nullptr;
        if (timeout.count() >= 0) {
            ts.tv_sec = static_cast<time_t>(timeout.count() / 1'000'000'000);
            ts.tv_nsec = static_cast<long>(timeout.count() % 1'000'000'000);
            tsp = &ts;
        }
        std::atomic<std::uint32_t>& word = state_word();
        while (word.load(std::memory_order_acquire) == parked_state) {
            // Returns at once if the word is no longer `parked` (an unpark came first).
            long rc = syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAIT_PRIVATE, parked_state, tsp,
                              nullptr, 0);
            if (rc != 0 && tsp != nullptr && errno == ETIMEDOUT) break;
        }
    }

    void wake() noexcept override {
        syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&state_word()), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
    }
};
static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));

}  // namespace

std::unique_ptr<parker> make_futex_parker() { return std::make_unique<futex_parker>(); }

}  // namespace weft::detail
