// sleep.cpp — sleep_for / sleep_until on the worker's timer service.
#include <weft/sleep.hpp>

#include <weft/detail/scheduler_api.hpp>

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

void end_sleep(sleep_state& st) noexcept {
    if (st.installed) st.root->remove_canceller(&st);
}

}  // namespace weft::detail
