// weft_mc/atomic.hpp — what weft/detail/atomic.hpp becomes in a model-checker build
// (WEFT_MODEL_CHECK): std::atomic's interface over Relacy's atomics.
//
// Every operation is a scheduling point of the simulation and carries the caller's
// std::source_location, so the execution history Relacy prints for a failing interleaving
// names the protocol's own file, line and function. Orders are translated one to one.
//
// Mutations. A test may break the real code on purpose, to show that the checker rejects
// it: a mutation names an operation by the function it is in (a substring of
// std::source_location::function_name()), its kind and its original order, and either
// weakens its order, drops a fence, splits a read-modify-write into a load and a
// separate store when the value changes (another thread may then run in between: the
// classic check-then-act race), or turns an exchange into a plain store. mutation_scope installs some
// for its lifetime and counts how often each one applied, so a test can check that the
// broken code was actually exercised.
//
//   weft::mc::mutation_scope broken{{"local_queue::push", weft::mc::op_kind::store,
//                                    std::memory_order_release}};  // -> relaxed
//
// Thread safety: Relacy runs a simulation's threads as fibers on the calling thread; the
// mutation table is read by them and written only between simulations.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <source_location>

#include "relacy.hpp"

namespace weft::mc {

enum class op_kind : std::uint8_t { load, store, rmw, fence };
enum class mutation_kind : std::uint8_t {
    order,        // use `to` instead of the original order
    drop_fence,   // the fence is not executed
    split_rmw,    // load, then store if the value changes: check-then-act, not atomic
    blind_store,  // an exchange becomes a plain store of its value (no read: no synchronizes-with)
};

struct mutation {
    const char* function;    // a substring of the enclosing function's name
    op_kind op;              // which kind of operation
    std::memory_order from;  // with this order (a CAS: its success order)
    mutation_kind kind = mutation_kind::order;
    std::memory_order to = std::memory_order_relaxed;
};

namespace detail {
struct mutation_table {
    static constexpr int capacity = 8;
    mutation entries[capacity];
    long hits[capacity];
    int size;
    void clear() noexcept {
        size = 0;
        for (long& h : hits) h = 0;
    }
};
inline mutation_table mutations;

inline const mutation* find(op_kind op, std::memory_order order, const std::source_location& loc) noexcept {
    for (int i = 0; i < mutations.size; ++i) {
        const mutation& m = mutations.entries[i];
        if (m.op == op && m.from == order && std::strstr(loc.function_name(), m.function)) {
            ++mutations.hits[i];
            return &m;
        }
    }
    return nullptr;
}

inline rl::memory_order to_rl(std::memory_order o) noexcept {
    switch (o) {
        case std::memory_order_relaxed:
            return rl::mo_relaxed;
        case std::memory_order_consume:
            return rl::mo_consume;
        case std::memory_order_acquire:
            return rl::mo_acquire;
        case std::memory_order_release:
            return rl::mo_release;
        case std::memory_order_acq_rel:
            return rl::mo_acq_rel;
        case std::memory_order_seq_cst:
            break;
    }
    return rl::mo_seq_cst;
}

// The failure order std::atomic derives from a single CAS order.
inline std::memory_order failure_of(std::memory_order o) noexcept {
    if (o == std::memory_order_acq_rel) return std::memory_order_acquire;
    if (o == std::memory_order_release) return std::memory_order_relaxed;
    return o;
}
inline int strength(std::memory_order o) noexcept {  // as a load
    switch (o) {
        case std::memory_order_relaxed:
        case std::memory_order_release:
            return 0;
        case std::memory_order_consume:
            return 1;
        case std::memory_order_acquire:
        case std::memory_order_acq_rel:
            return 2;
        case std::memory_order_seq_cst:
            break;
    }
    return 3;
}
// The load and the store half of a split read-modify-write.
inline std::memory_order load_half(std::memory_order o) noexcept {
    return strength(o) == 0 ? std::memory_order_relaxed
                            : (o == std::memory_order_seq_cst ? o : std::memory_order_acquire);
}
inline std::memory_order store_half(std::memory_order o) noexcept {
    if (o == std::memory_order_seq_cst) return o;
    return o == std::memory_order_release || o == std::memory_order_acq_rel ? std::memory_order_release
                                                                            : std::memory_order_relaxed;
}

inline rl::debug_info info(const std::source_location& loc) noexcept {
    return rl::debug_info(loc.function_name(), loc.file_name(), loc.line());
}
}  // namespace detail

// Installs mutations for its lifetime (one scope at a time).
class mutation_scope {
public:
    mutation_scope(std::initializer_list<mutation> ms) noexcept {
        detail::mutations.clear();
        for (const mutation& m : ms)
            if (detail::mutations.size < detail::mutation_table::capacity)
                detail::mutations.entries[detail::mutations.size++] = m;
    }
    ~mutation_scope() { detail::mutations.clear(); }
    mutation_scope(const mutation_scope&) = delete;
    mutation_scope& operator=(const mutation_scope&) = delete;

    // How many operations the i-th mutation changed so far.
    long hits(int i = 0) const noexcept { return detail::mutations.hits[i]; }
};

template <class T>
class atomic : private rl::generic_atomic<T, true> {
    using base = rl::generic_atomic<T, true>;
    using loc_t = std::source_location;

public:
    atomic() = default;  // T(): as std::atomic<T>'s value-initialisation
    atomic(T v, loc_t loc = loc_t::current()) { base::store(v, rl::mo_relaxed, detail::info(loc)); }
    atomic(const atomic&) = delete;
    atomic& operator=(const atomic&) = delete;

    T load(std::memory_order o = std::memory_order_seq_cst, loc_t loc = loc_t::current()) const {
        if (const mutation* m = detail::find(op_kind::load, o, loc)) o = m->to;
        return base::load(detail::to_rl(o), detail::info(loc));
    }
    void store(T v, std::memory_order o = std::memory_order_seq_cst, loc_t loc = loc_t::current()) {
        if (const mutation* m = detail::find(op_kind::store, o, loc)) o = m->to;
        base::store(v, detail::to_rl(o), detail::info(loc));
    }

    T exchange(T v, std::memory_order o = std::memory_order_seq_cst, loc_t loc = loc_t::current()) {
        if (const mutation* m = detail::find(op_kind::rmw, o, loc); m && m->kind == mutation_kind::blind_store) {
            base::store(v, detail::to_rl(detail::store_half(o)), detail::info(loc));
            return v;  // what a caller that ignores the result never reads
        }
        return rmw(
            o, loc, [v](T) { return v; }, [&](rl::memory_order r) { return base::exchange(v, r, detail::info(loc)); });
    }
    T fetch_add(T v, std::memory_order o = std::memory_order_seq_cst, loc_t loc = loc_t::current()) {
        return rmw(
            o, loc, [v](T x) { return static_cast<T>(x + v); },
            [&](rl::memory_order r) { return base::fetch_add(v, r, detail::info(loc)); });
    }
    T fetch_sub(T v, std::memory_order o = std::memory_order_seq_cst, loc_t loc = loc_t::current()) {
        return rmw(
            o, loc, [v](T x) { return static_cast<T>(x - v); },
            [&](rl::memory_order r) { return base::fetch_sub(v, r, detail::info(loc)); });
    }
    T fetch_or(T v, std::memory_order o = std::memory_order_seq_cst, loc_t loc = loc_t::current()) {
        return rmw(
            o, loc, [v](T x) { return static_cast<T>(x | v); },
            [&](rl::memory_order r) { return base::fetch_or(v, r, detail::info(loc)); });
    }
    T fetch_and(T v, std::memory_order o = std::memory_order_seq_cst, loc_t loc = loc_t::current()) {
        return rmw(
            o, loc, [v](T x) { return static_cast<T>(x & v); },
            [&](rl::memory_order r) { return base::fetch_and(v, r, detail::info(loc)); });
    }

    bool compare_exchange_weak(T& expected, T desired, std::memory_order o = std::memory_order_seq_cst,
                               loc_t loc = loc_t::current()) {
        return cas<true>(expected, desired, o, detail::failure_of(o), loc);
    }
    bool compare_exchange_weak(T& expected, T desired, std::memory_order success, std::memory_order failure,
                               loc_t loc = loc_t::current()) {
        return cas<true>(expected, desired, success, failure, loc);
    }
    bool compare_exchange_strong(T& expected, T desired, std::memory_order o = std::memory_order_seq_cst,
                                 loc_t loc = loc_t::current()) {
        return cas<false>(expected, desired, o, detail::failure_of(o), loc);
    }
    bool compare_exchange_strong(T& expected, T desired, std::memory_order success, std::memory_order failure,
                                 loc_t loc = loc_t::current()) {
        return cas<false>(expected, desired, success, failure, loc);
    }

    // The raw Relacy atomic, for the futex model (os_wait.hpp).
    base& relacy() noexcept { return *this; }

private:
    template <class Op, class Native>
    T rmw(std::memory_order o, const loc_t& loc, Op op, Native native) {
        if (const mutation* m = detail::find(op_kind::rmw, o, loc)) {
            if (m->kind == mutation_kind::split_rmw) {  // check, then act
                T old = base::load(detail::to_rl(detail::load_half(o)), detail::info(loc));
                T next = op(old);
                if (next != old) base::store(next, detail::to_rl(detail::store_half(o)), detail::info(loc));
                return old;
            }
            o = m->to;
        }
        return native(detail::to_rl(o));
    }

    template <bool weak>
    bool cas(T& expected, T desired, std::memory_order success, std::memory_order failure, const loc_t& loc) {
        if (const mutation* m = detail::find(op_kind::rmw, success, loc)) {
            if (m->kind == mutation_kind::split_rmw) {
                T old = base::load(detail::to_rl(detail::load_half(success)), detail::info(loc));
                if (old != expected) {
                    expected = old;
                    return false;
                }
                base::store(desired, detail::to_rl(detail::store_half(success)), detail::info(loc));
                return true;
            }
            success = m->to;
            if (detail::strength(detail::failure_of(success)) < detail::strength(failure))
                failure = detail::failure_of(success);
        }
        if (failure == std::memory_order_seq_cst && success != std::memory_order_seq_cst)
            failure = detail::failure_of(success);  // Relacy wants failure <= success
        return base::compare_exchange(rl::bool_t<weak>(), expected, desired, detail::to_rl(success),
                                      detail::to_rl(failure), detail::info(loc));
    }
};

// std::atomic_thread_fence.
inline void fence(std::memory_order o, std::source_location loc = std::source_location::current()) {
    if (const mutation* m = detail::find(op_kind::fence, o, loc)) {
        if (m->kind == mutation_kind::drop_fence) return;
        o = m->to;
    }
    rl::atomic_thread_fence(detail::to_rl(o), detail::info(loc));
}

// A spin-wait step: tells the scheduler this thread waits for another one (Relacy then
// switches threads instead of exploring the spin, and reports a livelock if nobody moves).
inline void cpu_relax(std::source_location loc = std::source_location::current()) { rl::yield(1, detail::info(loc)); }

}  // namespace weft::mc
