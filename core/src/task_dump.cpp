// task_dump.cpp — weft::dump_tasks: the registry of suspended tasks walked under its
// locks, each task's wait described from its awaitable (wait_describe.hpp), the await tree
// drawn from joins and group joins; text and JSON.
#include <weft/task_dump.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <weft/detail/fan_in.hpp>
#include <weft/detail/group_state.hpp>
#include <weft/detail/join_state.hpp>
#include <weft/detail/spawn_site.hpp>
#include <weft/detail/wait_describe.hpp>
#include <weft/detail/wait_queue.hpp>
#include <weft/runtime.hpp>

#include "runtime_core.hpp"

namespace weft {
namespace detail {
namespace {

// The describers of canceller types, registered once per type by the module defining it.
constexpr std::size_t max_describers = 64;
struct describer_entry {
    std::atomic<void (*)(canceller*) noexcept> on_cancel;
    std::atomic<describe_fn> describe;
};
describer_entry describers[max_describers];  // constant-initialised: no order to get wrong
std::atomic<std::size_t> describer_count{0};

describe_fn find_describer(void (*on_cancel)(canceller*) noexcept) noexcept {
    const std::size_t n = std::min(describer_count.load(std::memory_order_acquire), max_describers);
    for (std::size_t i = 0; i < n; ++i)
        if (describers[i].on_cancel.load(std::memory_order_acquire) == on_cancel)
            return describers[i].describe.load(std::memory_order_acquire);
    return nullptr;
}

wait_kind from_sync(sync_kind k) noexcept {
    switch (k) {
        case sync_kind::mutex:
            return wait_kind::mutex;
        case sync_kind::semaphore:
            return wait_kind::semaphore;
        case sync_kind::event:
            return wait_kind::event;
        case sync_kind::condition_variable:
            return wait_kind::condition_variable;
        case sync_kind::latch:
            return wait_kind::latch;
        case sync_kind::channel:
            return wait_kind::channel;
        case sync_kind::queue:
            return wait_kind::queue;
        case sync_kind::unknown:
            break;
    }
    return wait_kind::unknown;
}

}  // namespace

// Core's own awaitables (befriended by fan_in).
struct wait_describers {
    static void join(const canceller* c, wait_description& d) noexcept {
        auto* w = static_cast<const join_waiter*>(c);
        d.kind = wait_kind::join;
        d.since_ns = wait_stamp_ms_to_steady_ns(w->began_);
        d.object = reinterpret_cast<std::uintptr_t>(w->child_frame_);
        if (w->child_frame_ && d.add_child) d.add_child(d.ctx, promise_base::of_frame(w->child_frame_));
    }
    static void group_join(const canceller* c, wait_description& d) noexcept {
        auto* j = static_cast<const group_state::joiner*>(c);
        d.kind = wait_kind::group_join;
        d.since_ns = wait_stamp_ms_to_steady_ns(j->began);
        d.object = reinterpret_cast<std::uintptr_t>(j->group);
        if (j->group && d.add_child)
            if (!j->group->try_for_each_child([&](promise_base* r) { d.add_child(d.ctx, r); }))
                d.detail = "children not listed: the group was busy";
    }
    static void fan(const canceller* c, wait_description& d) noexcept {
        d.kind = wait_kind::when_all;
        d.since_ns = wait_stamp_ms_to_steady_ns(static_cast<const fan_in*>(c)->began_);
    }
    static bool register_all() noexcept {
        register_wait_describer(&join_waiter::on_cancel, &join);
        register_wait_describer(&group_state::joiner::on_cancel, &group_join);
        register_wait_describer(&fan_in::on_cancel, &fan);
        return true;
    }
};

namespace {
const bool core_describers_registered = wait_describers::register_all();
}

bool register_wait_describer(void (*on_cancel)(canceller*) noexcept, describe_fn describe) noexcept {
    (void)core_describers_registered;
    if (find_describer(on_cancel)) return true;
    const std::size_t i = describer_count.fetch_add(1, std::memory_order_acq_rel);
    if (i >= max_describers) return false;  // such tasks show as waiting on `unknown`
    describers[i].describe.store(describe, std::memory_order_release);
    describers[i].on_cancel.store(on_cancel, std::memory_order_release);
    return true;
}

namespace {

struct collected {
    promise_base* root;
    wait_description wait;
    std::vector<const promise_base*> children;
    std::uint16_t site = 0;                 // read while frozen: the task may end once its waiter is released
    const promise_base* spawner = nullptr;  // likewise; compared, never dereferenced
};

void add_child_cb(void* ctx, const promise_base* child) { static_cast<collected*>(ctx)->children.push_back(child); }

// Describes `root`'s wait while holding its waiter. Returns false if a cancel() arrived
// meanwhile: the waiter is still held and must be released (and the cancel delivered)
// once no registry lock is held.
bool describe_held(collected& c) noexcept {
    promise_base* root = c.root;
    c.wait.kind = wait_kind::none;
    const std::uintptr_t word = root->hold_waiter();
    if (!word) return true;  // running, woken, or between waits
    c.wait.ctx = &c;
    c.wait.add_child = &add_child_cb;
    void* target = reinterpret_cast<void*>(word >> promise_base::address_shift);
    if (word & promise_base::sync_kind) {
        auto* w = static_cast<const sync_waiter*>(target);
        c.wait.kind = from_sync(w->kind());
        c.wait.object = w->list_address();
        c.wait.since_ns = wait_stamp_s_to_steady_ns(w->began_s());
    } else {
        auto* k = static_cast<const canceller*>(target);
        c.wait.kind = wait_kind::unknown;
        if (describe_fn f = find_describer(k->on_cancel)) f(k, c.wait);
    }
    c.wait.add_child = nullptr;
    c.wait.ctx = nullptr;
    return root->release_waiter_if_quiet();
}

std::string hex(std::uint64_t v) { return fmt::format("0x{:x}", v); }

std::string fmt_seconds(double s) {
    if (s < 1e-3) return fmt::format("{:.0f} us", s * 1e6);
    if (s < 1) return fmt::format("{:.1f} ms", s * 1e3);
    return fmt::format("{:.2f} s", s);
}

std::string describe_line(const task_info& t) {
    std::string s = fmt::format("task {}", hex(t.id));
    if (!t.name.empty()) s += fmt::format(" \"{}\"", t.name);
    s += fmt::format(" spawned at {}", t.site());
    if (t.running) {
        s += fmt::format(" — running on worker {}", t.worker);
        if (!t.detail.empty()) s += fmt::format(" ({})", t.detail);
        return s;
    }
    if (t.queued) return s + " — queued";
    if (t.waiting_on == wait_kind::none) return s + " — runnable";
    s += fmt::format(" — waiting on {}", to_string(t.waiting_on));
    switch (t.waiting_on) {
        case wait_kind::fd_read:
        case wait_kind::fd_write:
        case wait_kind::io:
            s += fmt::format(" fd {}", t.object);
            break;
        case wait_kind::join:
            s += fmt::format(" of task {}", hex(t.object));
            break;
        case wait_kind::sleep:
        case wait_kind::unknown:
        case wait_kind::none:
            break;
        default:
            s += fmt::format(" {}", hex(t.object));
            break;
    }
    if (!t.detail.empty()) s += fmt::format(" ({})", t.detail);
    if (t.has_deadline) s += fmt::format(", deadline in {}", fmt_seconds(std::max(0.0, t.deadline_in_s)));
    if (t.waiting_s >= 0) s += fmt::format(", for {}", fmt_seconds(t.waiting_s));
    return s;
}

}  // namespace
}  // namespace detail

const char* to_string(wait_kind k) noexcept {
    switch (k) {
        case wait_kind::none:
            return "none";
        case wait_kind::unknown:
            return "unknown";
        case wait_kind::sleep:
            return "sleep";
        case wait_kind::fd_read:
            return "fd_read";
        case wait_kind::fd_write:
            return "fd_write";
        case wait_kind::io:
            return "io";
        case wait_kind::mutex:
            return "mutex";
        case wait_kind::semaphore:
            return "semaphore";
        case wait_kind::event:
            return "event";
        case wait_kind::condition_variable:
            return "condition_variable";
        case wait_kind::latch:
            return "latch";
        case wait_kind::channel:
            return "channel";
        case wait_kind::queue:
            return "queue";
        case wait_kind::join:
            return "join";
        case wait_kind::group_join:
            return "group_join";
        case wait_kind::when_all:
            return "when_all";
        case wait_kind::signal:
            return "signal";
        case wait_kind::blocking:
            return "blocking";
    }
    return "unknown";
}

std::string task_info::site() const {
    if (spawn_file.empty()) return "<weft>";
    return fmt::format("{}:{} in {}", spawn_file, spawn_line, spawn_function);
}

std::string task_dump::to_text() const {
    std::string out = fmt::format("weft task dump: {} task(s) listed, {} queued, {} worker(s){}{}\n", tasks.size(),
                                  queued, workers, runtime.empty() ? "" : ", ", runtime);
    std::unordered_map<std::uint64_t, std::vector<std::size_t>> kids;
    std::unordered_map<std::uint64_t, bool> present;
    for (const auto& t : tasks) present[t.id] = true;
    std::vector<std::size_t> roots;
    for (std::size_t i = 0; i < tasks.size(); ++i) {
        if (tasks[i].parent && present.count(tasks[i].parent) && tasks[i].parent != tasks[i].id)
            kids[tasks[i].parent].push_back(i);
        else
            roots.push_back(i);
    }
    std::unordered_map<std::uint64_t, bool> seen;
    auto walk = [&](auto& self, std::size_t i, const std::string& prefix, bool last, bool top) -> void {
        if (seen[tasks[i].id]) return;  // a cycle cannot happen in an await tree; be safe anyway
        seen[tasks[i].id] = true;
        out += prefix;
        if (!top) out += last ? "└── " : "├── ";
        out += detail::describe_line(tasks[i]);
        out += '\n';
        const std::string next = top ? prefix : prefix + (last ? "    " : "│   ");
        auto it = kids.find(tasks[i].id);
        if (it == kids.end()) return;
        for (std::size_t k = 0; k < it->second.size(); ++k)
            self(self, it->second[k], next, k + 1 == it->second.size(), false);
    };
    for (std::size_t r : roots) walk(walk, r, "", true, true);
    // A spawner's address may have been reused by a task it (indirectly) spawned, closing a
    // loop with no root: list what the walk did not reach.
    for (std::size_t i = 0; i < tasks.size(); ++i)
        if (!seen[tasks[i].id]) walk(walk, i, "", true, true);
    return out;
}

std::string task_dump::to_json() const {
    nlohmann::json j;
    j["runtime"] = runtime;
    j["workers"] = workers;
    j["queued"] = queued;
    j["tasks"] = nlohmann::json::array();
    for (const auto& t : tasks) {
        nlohmann::json o{{"id", detail::hex(t.id)},
                         {"parent", t.parent ? nlohmann::json(detail::hex(t.parent)) : nlohmann::json(nullptr)},
                         {"parent_relation", !t.parent             ? nlohmann::json(nullptr)
                                             : t.parent_is_spawner ? nlohmann::json("spawned")
                                                                   : nlohmann::json("awaits")},
                         {"spawn_site", t.spawn_file.empty() ? nlohmann::json(nullptr)
                                                             : nlohmann::json{{"file", t.spawn_file},
                                                                              {"line", t.spawn_line},
                                                                              {"function", t.spawn_function}}},
                         {"name", t.name.empty() ? nlohmann::json(nullptr) : nlohmann::json(t.name)},
                         {"state", t.running                         ? "running"
                                   : t.queued                        ? "queued"
                                   : t.waiting_on == wait_kind::none ? "runnable"
                                                                     : "waiting"},
                         {"worker", t.running ? nlohmann::json(t.worker) : nlohmann::json(nullptr)},
                         {"waiting_on", to_string(t.waiting_on)},
                         {"object", t.object},
                         {"detail", t.detail},
                         {"waiting_s", t.waiting_s >= 0 ? nlohmann::json(t.waiting_s) : nlohmann::json(nullptr)},
                         {"deadline_in_s", t.has_deadline ? nlohmann::json(t.deadline_in_s) : nlohmann::json(nullptr)}};
        j["tasks"].push_back(std::move(o));
    }
    return j.dump();
}

std::map<std::string, std::uint64_t> detail::count_suspended_by_kind(runtime_core& core) {
    using namespace detail;
    std::map<std::string, std::uint64_t> out;
    std::vector<promise_base*> to_release;
    core.registry().for_each([&](promise_base* r) {
        collected c{r, {}, {}};
        if (!describe_held(c)) to_release.push_back(r);
        c.children.clear();
        if (c.wait.kind != wait_kind::none) ++out[to_string(c.wait.kind)];
    });
    for (promise_base* r : to_release) r->release_waiter();  // no lock held now
    return out;
}

task_dump dump_tasks(const runtime& rt) { return detail::dump_core(*rt.core_handle()); }

task_dump detail::dump_core(runtime_core& core_ref) {
    using namespace detail;
    runtime_core* core = &core_ref;
    task_dump d;
    d.workers = core->worker_count();
    d.runtime = core->services().describe();
    const runtime_metrics m = core->metrics();
    d.queued = m.global_queue_depth + m.total().local_queue_depth;
    std::vector<collected> all;
    std::vector<promise_base*> to_release;
    std::vector<std::uint16_t> running_sites;
    std::unordered_set<const promise_base*> queued_roots;
    struct queued {
        std::uint64_t frame = 0, spawner = 0;
        std::uint16_t site = 0;
    };
    std::vector<queued> unstarted;
    const auto now_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count();
    {
        task_registry::freeze_guard frozen(core->registry());
        frozen.for_each([&](promise_base* r) { all.push_back(collected{r, {}, {}, 0}); });
        // A task awaiting a child it runs inline is not registered (it is suspended until the
        // child ends, and shutdown finds it the same way): follow the waiter links. While
        // `waiter` is set and the child cannot end (it is registered, and frozen), the
        // awaiting task is alive.
        std::unordered_set<promise_base*> known;
        for (const auto& c : all) known.insert(c.root);
        for (std::size_t i = 0; i < all.size(); ++i) {
            promise_base* r = all[i].root;
            if (!(r->join_state() & join_bits::waiter)) continue;
            join_waiter* jw = r->waiter();
            if (jw && jw->root_ && known.insert(jw->root_).second) all.push_back(collected{jw->root_, {}, {}, 0});
        }
        for (auto& c : all) {
            c.site = c.root->site();
            c.spawner = c.root->spawner();
            if (!describe_held(c)) to_release.push_back(c.root);
        }
        d.running_frames.resize(d.workers);
        running_sites.resize(d.workers, unknown_site);
        for (std::uint32_t w = 0; w < d.workers; ++w) {
            const worker& wk = core->worker_at(w);
            promise_base* r = wk.running_root();
            const std::uint16_t site = wk.running_site();
            if (!r) continue;
            d.running_frames[w] = reinterpret_cast<std::uintptr_t>(r) - promise_offset;
            if (wk.running_root() == r) running_sites[w] = site;  // else: a new task meanwhile, site unknown
        }
        // Queued tasks: taken off the queues while we read them (their frames cannot run or
        // end meanwhile), then put back. Unstarted ones are in no registry: list them here.
        core->with_queued_entries([&](const std::vector<void*>& entries) {
            for (void* e : entries) {
                promise_base* p = promise_base::of_frame(frame_of(e));
                if (!is_unstarted(e)) {
                    queued_roots.insert(p->root());  // a woken, registered task
                    continue;
                }
                queued q;
                q.frame = reinterpret_cast<std::uintptr_t>(frame_of(e));
                q.site = p->site();
                if (const promise_base* by = p->spawner())
                    q.spawner = reinterpret_cast<std::uintptr_t>(by) - promise_offset;
                unstarted.push_back(q);
            }
        });
    }
    // Cancels that arrived while we held their waiters: delivered now, with no lock held
    // (the waiters stayed held, so those tasks could not end meanwhile).
    for (promise_base* r : to_release) r->release_waiter();

    std::unordered_map<const promise_base*, std::uint64_t> parent_of;
    for (const auto& c : all)
        for (const promise_base* child : c.children)
            parent_of[child] = reinterpret_cast<std::uintptr_t>(c.root->frame());
    d.tasks.reserve(all.size());
    for (const auto& c : all) {
        task_info t;
        t.id = reinterpret_cast<std::uintptr_t>(c.root->frame());
        if (auto it = parent_of.find(c.root); it != parent_of.end()) {
            t.parent = it->second;
        } else if (c.spawner) {
            t.parent = reinterpret_cast<std::uintptr_t>(c.spawner) - promise_offset;
            t.parent_is_spawner = true;
        }
        const spawn_site s = site_of(c.site);
        if (s.file) {
            t.spawn_file = s.file;
            t.spawn_function = readable_function(s.function);
            t.spawn_line = s.line;
        }
        if (s.name) t.name = s.name;
        t.queued = queued_roots.count(c.root) != 0;
        for (std::uint32_t w = 0; w < d.workers; ++w)
            if (d.running_frames[w] == t.id) {
                t.running = true;
                t.worker = static_cast<int>(w);
            }
        t.waiting_on = c.wait.kind;
        t.object = c.wait.object;
        if (c.wait.detail) t.detail = c.wait.detail;
        // A stamp is turned into a time against a "now" read after now_ns: never negative.
        if (c.wait.since_ns >= 0) t.waiting_s = std::max(0.0, static_cast<double>(now_ns - c.wait.since_ns) / 1e9);
        if (c.wait.until_ns >= 0) {
            t.has_deadline = true;
            t.deadline_in_s = static_cast<double>(c.wait.until_ns - now_ns) / 1e9;
        }
        d.tasks.push_back(std::move(t));
    }
    auto set_site = [](task_info& t, std::uint16_t id) {
        const spawn_site s = site_of(id);
        if (s.file) {
            t.spawn_file = s.file;
            t.spawn_function = readable_function(s.function);
            t.spawn_line = s.line;
        }
        if (s.name) t.name = s.name;
    };
    // Workers running a task that never suspended (so not registered): its frame is not
    // read (it may end while we look); its site is what the worker published with it.
    for (std::uint32_t w = 0; w < d.workers; ++w) {
        const std::uint64_t f = d.running_frames[w];
        if (!f || std::any_of(d.tasks.begin(), d.tasks.end(), [&](const task_info& t) { return t.id == f; })) continue;
        task_info t;
        t.id = f;
        t.running = true;
        t.worker = static_cast<int>(w);
        set_site(t, running_sites[w]);
        d.tasks.push_back(std::move(t));
    }
    // Spawned and not started yet.
    for (const queued& q : unstarted) {
        task_info t;
        t.id = q.frame;
        t.queued = true;
        set_site(t, q.site);
        d.tasks.push_back(std::move(t));
    }
    // Parents: who awaits each task (join, group join), else who spawned it.
    std::unordered_map<std::uint64_t, std::uint64_t> spawner_of;
    for (const queued& q : unstarted)
        if (q.spawner) spawner_of[q.frame] = q.spawner;
    for (auto& t : d.tasks) {
        if (t.parent) continue;
        if (auto it = parent_of.find(promise_base::of_frame(reinterpret_cast<void*>(t.id))); it != parent_of.end()) {
            t.parent = it->second;
            t.parent_is_spawner = false;
        } else if (auto sp = spawner_of.find(t.id); sp != spawner_of.end()) {
            t.parent = sp->second;
            t.parent_is_spawner = true;
        }
    }
    // A spawner that is not listed has ended: no parent (its address may serve a new task
    // later, which must not adopt this one).
    std::unordered_set<std::uint64_t> listed;
    for (const auto& t : d.tasks) listed.insert(t.id);
    for (auto& t : d.tasks)
        if (t.parent_is_spawner && !listed.count(t.parent)) {
            t.parent = 0;
            t.parent_is_spawner = false;
        }
    return d;
}

}  // namespace weft
