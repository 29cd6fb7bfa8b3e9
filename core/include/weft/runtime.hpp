// weft/runtime.hpp — the runtime (a pool of work-stealing workers) and the ways in:
// weft::run (asyncio.run), runtime::block_on, runtime::spawn and weft::spawn.
//
//   weft::task<int> main_task() { co_return 7; }
//   int main() { return weft::run(main_task()); }       // default config, then shutdown
//
//   std::stop_source stop;                              // cancellation passed down:
//   weft::spawn(handle_connection(fd), stop.get_token());  // stop.request_stop() cancels it
//
//   weft::runtime rt(weft::runtime_config{.workers = 4});
//   auto h = rt.spawn(background());                    // from any thread
//   int v = rt.block_on(main_task());                   // blocks this (non-worker) thread
//
// A runtime is built with a runtime_stack (weft/runtime_stack.hpp): the modules whose
// services its workers get (timers, the I/O driver). Without one, the default stack: the
// largest the program uses.
//
// Inside a task, weft::spawn(t) starts t on the current runtime and returns its
// join_handle. Destroying the runtime stops the workers and destroys every task that has
// not finished (suspended or queued), running their destructors; their handles then throw
// cancelled_error when awaited.
//
// Thread safety: spawn() and metrics() may be called from any thread; block_on() from
// any thread that is not a worker of any runtime (it would deadlock its own worker).
#pragma once

#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>

#include <weft/config.hpp>
#include <weft/error.hpp>
#include <weft/detail/spawn_site.hpp>
#include <weft/join_handle.hpp>
#include <weft/metrics.hpp>
#include <weft/runtime_stack.hpp>
#include <weft/task.hpp>

namespace weft {

namespace detail {

template <class T>
struct block_on_state {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    std::conditional_t<
        std::is_void_v<T>, bool,
        std::optional<std::conditional_t<std::is_reference_v<T>, std::add_pointer_t<std::remove_reference_t<T>>, T>>>
        value{};
    std::exception_ptr error;

    void finish() {
        std::lock_guard lock(mu);
        done = true;
        cv.notify_one();  // under the lock: the waiter cannot return (and free us) before
    }
};

// Runs `t` and hands its outcome to the blocked thread (parameters by value: they live in
// the frame).
template <class T>
task<void> block_on_driver(task<T> t, block_on_state<T>* st) {
    try {
        if constexpr (std::is_void_v<T>)
            co_await std::move(t);
        else if constexpr (std::is_reference_v<T>)
            st->value = std::addressof(co_await std::move(t));
        else
            st->value.emplace(co_await std::move(t));
    } catch (...) {
        st->error = std::current_exception();
    }
    st->finish();
}

runtime_core* make_started_core(const runtime_config& cfg, const runtime_stack& stack);
void destroy_core(runtime_core* core) noexcept;
runtime_metrics core_metrics(const runtime_core* core);

}  // namespace detail

// The worker threads and what runs on them (see the header): spawn tasks onto it, or block_on one.
class runtime {
public:
    // Config from runtime_config::load(): defaults, $WEFT_CONFIG, WEFT_* variables; the
    // default stack.
    runtime();
    // Starts a runtime with this configuration and the default stack; throws config_error for a bad setting.
    explicit runtime(const runtime_config& config);
    // Throws config_error for a bad value (or a section no module of the stack reads) and
    // system_error if a service cannot be set up (an I/O driver the kernel refuses).
    runtime(const runtime_config& config, const runtime_stack& stack);
    ~runtime();
    runtime(const runtime&) = delete;
    runtime& operator=(const runtime&) = delete;

    // Runs t to completion on the workers and returns its value (or rethrows).
    // `where` (the caller, by default) is the spawn site the task dump shows for it.
    template <class T>
    T block_on(task<T> t, detail::spawn_location where = detail::spawn_location::current()) {
        if (detail::current_core() != nullptr)
            throw error(
                "weft::runtime::block_on called from a worker thread (it would deadlock); "
                "co_await the task instead");
        detail::block_on_state<T> st;
        auto h =
            detail::make_root(detail::block_on_driver(std::move(t), &st), core_, detail::intern_site(where, nullptr));
        if (!detail::start_root(h)) throw error("weft::runtime::block_on: the runtime is shutting down");
        {
            std::unique_lock lock(st.mu);
            st.cv.wait(lock, [&] { return st.done; });
        }
        // The driver signalled from its last statement; let it leave the runtime too, so
        // that block_on returns with nothing of it left on the workers.
        while (!h.is_finished()) std::this_thread::yield();
        if (st.error) std::rethrow_exception(st.error);
        if constexpr (std::is_reference_v<T>)
            return **st.value;
        else if constexpr (!std::is_void_v<T>)
            return std::move(*st.value);
    }

    // Starts t on this runtime; callable from any thread. `where` (the caller, by default)
    // and `name` are what the task dump and the stall detector show for the task.
    template <class T>
    join_handle<T> spawn(task<T> t, detail::spawn_location where = detail::spawn_location::current()) {
        return spawn(std::move(t), task_name{}, where);
    }
    // The same, with a name the task dump and the stall detector show next to the spawn site.
    template <class T>
    join_handle<T> spawn(task<T> t, task_name name, detail::spawn_location where = detail::spawn_location::current()) {
        auto h = detail::make_root(std::move(t), core_, detail::intern_site(where, name.value));
        detail::start_root(h);
        return h;
    }

    // The number of worker threads.
    std::uint32_t worker_count() const noexcept;
    // The modules this runtime was built with ("core + timers + io (epoll)").
    std::string stack_description() const;
    // Internal: the runtime's shared state (for the modules built on core).
    detail::runtime_core* core_handle() const noexcept { return core_; }
    // The configuration the runtime was built with (workers as given; worker_count() resolves 0).
    const runtime_config& config() const noexcept { return detail::core_config(core_); }
    // A snapshot of the workers' counters.
    runtime_metrics metrics() const { return detail::core_metrics(core_); }

private:
    detail::runtime_core* core_;
};

// asyncio.run: a runtime from the default configuration, t run to completion, shutdown.
template <class T>
T run(task<T> t, detail::spawn_location where = detail::spawn_location::current()) {
    runtime rt;
    return rt.block_on(std::move(t), where);
}

namespace detail {
// Runs t and cancels it (as join_handle::cancel() would) when `stop` is requested. The
// callback lives in this frame, so it is unregistered before the task's frame goes away.
template <class T>
task<T> cancel_on_stop(task<T> t, std::stop_token stop) {
    promise_base* root = co_await current_root_awaiter{};
    std::stop_callback on_stop(stop, [root]() noexcept { root->request_cancel(); });
    co_return co_await std::move(t);
}
}  // namespace detail

// Starts t on the runtime of the calling worker. Throws weft::error off-runtime. `where`
// (the caller, by default) and `name` are what the task dump and the stall detector show.
template <class T>
join_handle<T> spawn(task<T> t, task_name name, detail::spawn_location where = detail::spawn_location::current()) {
    detail::runtime_core* core = detail::current_core();
    if (!core) throw error("weft::spawn called outside a runtime; use runtime::spawn or weft::run");
    auto h = detail::make_root(std::move(t), core, detail::intern_site(where, name.value));
    detail::start_root(h);
    return h;
}
// weft::spawn without a name: spawns t on the current runtime (see the named form above).
template <class T>
join_handle<T> spawn(task<T> t, detail::spawn_location where = detail::spawn_location::current()) {
    return spawn(std::move(t), task_name{}, where);
}

// As spawn(t), and t is cancelled when `stop` is requested (std::stop_source::request_stop,
// std::jthread's destructor, ...): the way to pass cancellation down to tasks that do not
// share a join handle, e.g. every connection of a server. weft uses the standard token
// rather than a type of its own, so it composes with std::jthread and other libraries.
template <class T>
join_handle<T> spawn(task<T> t, std::stop_token stop,
                     detail::spawn_location where = detail::spawn_location::current()) {
    return spawn(detail::cancel_on_stop(std::move(t), std::move(stop)), task_name{}, where);
}

}  // namespace weft
