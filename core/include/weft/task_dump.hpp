// weft/task_dump.hpp — what every task of a running runtime is doing: asyncio's
// `python -m asyncio ps` / `pstree`, built in.
//
//   weft::task_dump d = weft::dump_tasks(rt);   // from any thread, also from a task
//   std::fputs(d.to_text().c_str(), stderr);    // a tree: who awaits whom, and on what
//   std::string j = d.to_json();                // the same as JSON, for tools
//
// Each spawned task is listed with where it was spawned (the caller of spawn /
// task_group::spawn, or the weft::task_name given there), what it waits on while suspended
// (a sleep and its deadline, a read or write on descriptor N, a channel, queue, mutex,
// semaphore, event, condition variable, latch or barrier, the join of task K, a task
// group's join, a when_all; each but a sleep with since when) and its parent in the tree:
// the task that awaits its join_handle, or that joins its task group, or else the task
// that spawned it (asyncio pstree's and tokio-console's parent). Tasks spawned from outside
// any task are roots of the tree. The spawner is recorded as an address in a word of the
// promise that a join uses later (no lock, no byte more): if the spawner has ended and its
// memory went to a new task, that task may show as the parent.
// A task that runs on a worker right now is marked `running` (with its site, which the
// worker publishes when it resumes a task, also for a task that never suspended). Tasks in
// the run queues — spawned and not started, or woken and not run yet — are marked
// `queued`: the dump takes the queues' entries for the moment it reads them (so that no
// such task can run and end meanwhile) and puts them in the global queue afterwards; they
// lose their place and their worker, which is harmless for a rare dump.
//
// runtime_config::dump_signal (off by default; e.g. SIGUSR1) writes the dump to the log
// when the process receives that signal: `kill -USR1 <pid>` on a live server.
//
// Cost: nothing per task beyond 12 bits of its promise (the spawn site's id); describing
// a wait reads the awaitable in the task's frame. The dump freezes the runtime's registry
// of suspended tasks while it walks it (one lock per worker shard): tasks that finish or
// suspend for the first time meanwhile wait for it, the others run on.
//
// Cancellation: none (dump_tasks does not suspend). Thread safety: dump_tasks may be
// called from any thread while the runtime is alive; a task_dump is a plain value.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace weft {

class runtime;

// What a suspended task waits on.
enum class wait_kind : std::uint8_t {
    none,                // not suspended: running, or woken and queued to run
    unknown,             // suspended on an awaitable that does not describe itself
    sleep,               // sleep_for / sleep_until / a timeout
    fd_read,             // a read-side I/O op (read, recv, accept, readable)
    fd_write,            // a write-side I/O op (write, send, connect, writable)
    io,                  // another I/O op (a file op on the blocking pool, openat)
    mutex,               // mutex, shared_mutex
    semaphore,           //
    event,               //
    condition_variable,  //
    latch,               // latch, barrier
    channel,             // channel, oneshot (send or receive)
    queue,               // weft::queue and its variants (get, put, join)
    join,                // awaiting another task's join_handle
    group_join,          // task_group / task_scope join
    when_all,            // when_all / when_any children
    signal,              // weft::signal wait
    blocking,            // spawn_blocking / offload result
};

// The wait kind's name as the dump and the metrics write it ("sleep", "fd_read", ...).
const char* to_string(wait_kind k) noexcept;

// One task of a dump: who spawned it, where it runs or what it waits on, its parent.
struct task_info {
    std::uint64_t id = 0;  // the task's address (stable while it lives; 0x-printed)
    // The id of the task awaiting it (join, group join); if none, of the task that spawned
    // it (a detached spawn from inside a task); 0 if neither.
    std::uint64_t parent = 0;
    // True when `parent` is the spawner, not a task awaiting this one.
    bool parent_is_spawner = false;
    std::string spawn_file;  // empty: spawned by weft itself (block_on's driver, when_all)
    // Function that spawned it (gcc: its signature; clang 14: its name).
    std::string spawn_function;
    // Line of the spawn call.
    std::uint32_t spawn_line = 0;
    std::string name;      // weft::task_name given at spawn
    bool running = false;  // on a worker right now
    bool queued = false;   // in a run queue: spawned and not started, or woken and not yet run
    int worker = -1;       // which worker, if running
    // What it waits on (wait_kind::none while running or queued).
    wait_kind waiting_on = wait_kind::none;
    std::uint64_t object = 0;   // what it waits on: descriptor number, primitive's address, task id
    std::string detail;         // e.g. the I/O op's name ("recv"), a sleep's remaining time
    double waiting_s = -1;      // seconds since the wait began; < 0: not recorded for this kind
    double deadline_in_s = -1;  // sleeps: seconds until the deadline (may be < 0 if overdue)
    // True when deadline_in_s is set (sleeps and timeouts).
    bool has_deadline = false;

    std::string site() const;  // "file:line in function" or "<weft>"
};

// A snapshot of a runtime's tasks (weft::dump_tasks), as text or JSON.
struct task_dump {
    std::vector<task_info> tasks;               // suspended or running tasks, parents before children
    std::uint64_t queued = 0;                   // entries in the run queues when the dump began
    std::vector<std::uint64_t> running_frames;  // per worker: the id of the task it runs, 0 if idle
    // Workers of the runtime.
    std::uint32_t workers = 0;
    std::string runtime;  // runtime::stack_description()

    // A tree as asyncio's pstree: one line per task, children indented under their parent.
    std::string to_text() const;
    // {"runtime":"..","workers":N,"queued":N,"tasks":[{"id":"0x..","parent":"0x..",...}]}
    std::string to_json() const;
};

// Takes a snapshot of rt's tasks; any thread, while the runtime runs (it does not stop the workers).
task_dump dump_tasks(const runtime& rt);

}  // namespace weft
