// futex_parker.cpp — the parker of a runtime without an I/O driver: the owner sleeps on
// the permit word itself with FUTEX_WAIT, and wake() is one FUTEX_WAKE (os_wait.hpp, which
// the model checker of tests/mc/ replaces: it runs this parker as it ships).
#include <weft/detail/parker.hpp>

#include <cerrno>
#include <ctime>

#include "os_wait.hpp"

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
        atomic<std::uint32_t>& word = state_word();
        while (word.load(std::memory_order_acquire) == parked_state) {
            // Returns at once if the word is no longer `parked` (an unpark came first).
            if (futex_wait(word, parked_state, tsp) == -ETIMEDOUT) break;
        }
    }

    void wake() noexcept override { futex_wake(state_word(), 1); }
};

}  // namespace

std::unique_ptr<parker> make_futex_parker() { return std::make_unique<futex_parker>(); }

}  // namespace weft::detail
