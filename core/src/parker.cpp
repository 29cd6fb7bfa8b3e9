// parker.cpp — the permit protocol every parker shares (see weft/detail/parker.hpp).
#include <weft/detail/parker.hpp>

namespace weft::detail {

void parker::park(std::chrono::nanoseconds timeout) {
    std::uint32_t expected = empty_state;
    if (!state_.compare_exchange_strong(expected, parked_state, std::memory_order_acq_rel)) {
        // Only unpark() changes the state besides us: it is notified. Consume the permit
        // with an RMW, not a store: more unpark()s may have landed since the CAS, and what
        // each wrote before its unpark() must be visible to us — a store would swallow
        // their permits without synchronizing with them, and a caller that re-checks its
        // condition could miss their work and park again (tests/mc found it).
        state_.exchange(empty_state, std::memory_order_acq_rel);
        return;
    }
    wait(timeout);
    // Notified, timed out or woken early: consume whatever is there.
    state_.exchange(empty_state, std::memory_order_acq_rel);
}

}  // namespace weft::detail
