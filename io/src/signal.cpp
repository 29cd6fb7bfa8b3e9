// signal.cpp — signal delivery for weft::signal (see weft/signal.hpp).
//
// The handler increments the signal's count and writes one byte to a pipe. A helper
// thread blocks on the pipe's read end and, for each byte, wakes the waiters whose signal
// count moved. A waiter compares counts under the lock before it sleeps, so a signal
// between the call and the sleep is not missed.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <mutex>
#include <thread>

#include <weft/detail/intrusive_list.hpp>
#include <weft/signal.hpp>

namespace weft::detail {
namespace {

std::atomic<std::uint64_t> counts[64];
int pipe_fds[2] = {-1, -1};
std::mutex lock;  // waiters, installed
intrusive_list<signal_waiter> waiters;
std::uint64_t installed_mask = 0;

extern "C" void on_signal(int sig) {
    int saved = errno;
    counts[sig].fetch_add(1, std::memory_order_relaxed);
    char b = static_cast<char>(sig);
    [[maybe_unused]] auto r = ::write(pipe_fds[1], &b, 1);
    errno = saved;
}

// The signal of w's set whose count moved, or 0.
int delivered(const signal_waiter& w) noexcept {
    for (int s = 1; s < 64; ++s)
        if ((w.mask >> s & 1) && counts[s].load(std::memory_order_relaxed) != w.seen[s]) return s;
    return 0;
}

void listener() {
    char buf[64];
    while (true) {
        ssize_t n = ::read(pipe_fds[0], buf, sizeof buf);
        if (n <= 0) {
            if (n < 0 && errno == EINTR) continue;
            return;
        }
        std::lock_guard g(lock);
        for (signal_waiter* w = waiters.head; w;) {
            signal_waiter* next = w->next;
            if (int s = delivered(*w)) {
                waiters.erase(w);
                w->got = s;
                schedule(w->root->core(), w->handle, schedule_hint::wake);
            }
            w = next;
        }
    }
}

// Lock held. Installs the handler for sig once.
void install(int sig) {
    if (pipe_fds[0] < 0) {
        if (::pipe2(pipe_fds, O_CLOEXEC) < 0) throw system_error(errno, "signal: pipe2");
        ::fcntl(pipe_fds[1], F_SETFL, O_NONBLOCK);  // a full pipe drops bytes, never blocks the handler
        std::thread(listener).detach();
    }
    if (installed_mask >> sig & 1) return;
    struct sigaction sa {};
    sa.sa_handler = &on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    if (::sigaction(sig, &sa, nullptr) < 0) throw system_error(errno, "signal: sigaction(" + std::to_string(sig) + ")");
    installed_mask |= std::uint64_t{1} << sig;
}

}  // namespace

void signal_prepare(signal_waiter& w, std::initializer_list<int> signals) {
    if (signals.size() == 0) throw error("weft::signal: no signal given");
    std::lock_guard g(lock);
    for (int s : signals) {
        if (s <= 0 || s >= 64 || s == SIGKILL || s == SIGSTOP)
            throw error("weft::signal: signal " + std::to_string(s) + " cannot be waited for");
        install(s);
        w.mask |= std::uint64_t{1} << s;
        w.seen[s] = counts[s].load(std::memory_order_relaxed);
    }
}

bool signal_suspend(signal_waiter& w) noexcept {
    std::lock_guard g(lock);
    if (int s = delivered(w)) {
        w.got = s;
        return false;
    }
    waiters.push_back(&w);
    return true;
}

void signal_on_cancel(canceller* c) noexcept {
    auto* w = static_cast<signal_waiter*>(c);
    {
        std::lock_guard g(lock);
        if (w->got != 0) return;  // the listener took it already
        waiters.erase(w);
        w->cancelled = true;
    }
    schedule(w->root->core(), w->handle, schedule_hint::wake);
}

}  // namespace weft::detail
