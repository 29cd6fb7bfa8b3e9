// sleep.cpp — sleep_for / sleep_until on the worker's timer service.
#include <weft/sleep.hpp>

#include <weft/detail/scheduler_api.hpp>
#include <weft/detail/wait_describe.hpp>

#include <weft/internal/timer_service.hpp>

namespace weft::detail {

bool begin_sleep(sleep_state& st, std::coroutine_handle<> h, promise_base* root,
                 std::chrono::steady_clock::time_point deadline, bool is_relative,
                 std::chrono::steady_clock::duration relative) noexcept {
    st.root = root;
    if (root->cancel_requested()) {  // a cancellation point even when nothing is left to wait
        st.cancelled = true;
        return false;
    }
    timer_service* svc = current_timer_service();
    if (!svc) {  // off the workers, or a runtime built without timers: await_resume throws
        st.no_timers = true;
        return false;
    }
    const auto now = svc->now();
    if (is_relative) deadline = now + relative;
    if (deadline <= now) {  // sleep(0): let the others run first
        st.yielded = true;
        root->note_suspend();
        schedule(root->core(), h, schedule_hint::yield);
        return true;
    }
    st.waiter.task = h;
    st.service = svc;
    root->note_suspend();
    // Arm, then install the canceller, both under the wheel's lock: a cancel() in between
    // only sets the request, which the failing install then sees; and neither expiry (an
    // idle worker may fire this wheel while we are busy) nor a cancel can resume us before
    // `installed` is written.
    st.installed = true;
    if (!svc->arm_and(&st.waiter, svc->ticks_at(deadline), [&] { return root->install_canceller(&st); })) {
        st.installed = false;
        st.cancelled = true;
        return false;
    }
    return true;
}

void sleep_on_cancel(canceller* c) noexcept {
    auto* st = static_cast<sleep_state*>(c);
    auto* svc = static_cast<timer_service*>(st->service);
    if (svc->disarm(&st->waiter)) {  // we won against expiry: the task is ours to resume
        st->cancelled = true;
        schedule(st->root->core(), st->waiter.task, schedule_hint::wake);
    }
}

namespace {
// For the task dump: a sleep and its deadline (the canceller is installed only once the
// timer is armed, so `service` and the deadline are written by then).
void describe_sleep(const canceller* c, wait_description& d) noexcept {
    auto* st = static_cast<const sleep_state*>(c);
    d.kind = wait_kind::sleep;
    auto* svc = static_cast<const timer_service*>(st->service);
    if (!svc) return;
    const auto left = svc->time_of(st->waiter.deadline) - svc->now();
    d.until_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>((timer_clock::now() + left).time_since_epoch()).count();
}
const bool sleep_described = register_wait_describer(&sleep_on_cancel, &describe_sleep);
}  // namespace

void end_sleep(sleep_state& st) noexcept {
    (void)sleep_described;
    if (st.installed) st.root->remove_canceller(&st);
}

}  // namespace weft::detail
