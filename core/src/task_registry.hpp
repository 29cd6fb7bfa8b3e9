// task_registry.hpp — spawned tasks that are suspended and not finished, so that shutdown
// can destroy them (their destructors run, nothing leaks). See note_suspend in
// weft/detail/scheduler_api.hpp for when a task enters: at its first suspension, so tasks
// that never wait never pay for this.
//
// Sharded: a shard is a mutex and an array of promises; a promise remembers its shard and
// its index, so removal is O(1) (the last entry moves into the hole). A task is added to
// the shard of the worker it suspends on and removed by whichever worker runs its final
// step. After close_and_drain() nothing is added any more.
//
// A shard's array is segmented: entry i lives in segs[i / segment_entries] at
// i % segment_entries, so growing never copies (a vector copies 8 MB and leaves its old
// buffers resident when a million tasks suspend). Invariant (under the shard's mutex):
// segs holds exactly ceil(count / segment_entries) segments; when a removal empties the
// last one it goes, as the spare if there is none yet (so a count that moves back and
// forth across a boundary does not map and unmap each time), else back to the kernel.
// Segments are mapped pages (page_memory.hpp), so the memory follows the number of
// suspended tasks.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include <weft/detail/promise_base.hpp>

#include "page_memory.hpp"
#include "os_wait.hpp"

namespace weft::detail {

class task_registry {
    // The only accesses to the promise's registry slot (bits of its up_ word).
    static std::uint8_t shard_of(const promise_base* p) noexcept { return p->reg_shard(); }
    static std::uint32_t index_of(const promise_base* p) noexcept { return p->reg_index(); }
    static void set_slot(promise_base* p, std::uint8_t shard, std::uint32_t index) noexcept {
        p->set_reg_slot(shard, index);
    }
    static void set_index(promise_base* p, std::uint32_t index) noexcept { p->set_reg_index(index); }

public:
    // 4096 entries = 32 KiB: one mmap per 4096 suspensions, and at most a partly written
    // segment plus a spare of slack per shard.
    static constexpr std::size_t segment_entries = 4096;

    // At most 64 shards: a root keeps its shard in 6 bits (promise_base::root_bits).
    static constexpr std::uint32_t max_shards = promise_base::root_bits::shard_mask + 1;
    // Entries per shard: a root keeps its index in 26 bits.
    static constexpr std::size_t max_entries = promise_base::root_bits::max_index;

    explicit task_registry(std::uint32_t shards)
        : shards_(std::make_unique<shard[]>(shards < max_shards ? shards : max_shards)),
          count_(shards < max_shards ? shards : max_shards) {}

    // False if the registry is closed (shutdown), full or out of memory.
    bool add(promise_base* p, std::uint32_t hint) noexcept {
        auto idx = static_cast<std::uint8_t>(hint % count_);
        shard& s = shards_[idx];
        std::lock_guard lock(s.mu);
        if (s.closed || s.count >= max_entries) return false;
        if (s.count == s.segs.size() * segment_entries && !s.grow()) return false;
        s.at(s.count) = p;
        set_slot(p, idx, static_cast<std::uint32_t>(s.count));
        ++s.count;
        s.size.store(s.count, std::memory_order_relaxed);
        return true;
    }

    void remove(promise_base* p) noexcept {
        shard& s = shards_[shard_of(p)];
        std::lock_guard lock(s.mu);
        const std::uint32_t i = index_of(p);
        promise_base* last = s.at(--s.count);
        s.at(i) = last;
        set_index(last, i);
        if (s.count == (s.segs.size() - 1) * segment_entries) s.drop_last_segment();
        s.size.store(s.count, std::memory_order_relaxed);
    }

    // Calls f(promise_base*) for every registered root, one shard at a time under its lock:
    // while f runs on a root, that root cannot unregister, so its frame stays allocated.
    template <class F>
    void for_each(F&& f) {
        for (std::uint32_t i = 0; i < count_; ++i) {
            shard& s = shards_[i];
            std::lock_guard lock(s.mu);
            for (std::size_t j = 0; j < s.count; ++j) f(s.at(j));
        }
    }
    // Holds every shard's lock (in order) until the guard is destroyed: no registered root
    // can finish meanwhile. For the task dump, which must see parents and children together.
    class freeze_guard {
    public:
        explicit freeze_guard(task_registry& r) : r_(r) {
            for (std::uint32_t i = 0; i < r_.count_; ++i) r_.shards_[i].mu.lock();
        }
        ~freeze_guard() {
            for (std::uint32_t i = r_.count_; i-- > 0;) r_.shards_[i].mu.unlock();
        }
        freeze_guard(const freeze_guard&) = delete;
        freeze_guard& operator=(const freeze_guard&) = delete;
        // Under the guard: every registered root.
        template <class F>
        void for_each(F&& f) const {
            for (std::uint32_t i = 0; i < r_.count_; ++i)
                for (std::size_t j = 0; j < r_.shards_[i].count; ++j) f(r_.shards_[i].at(j));
        }

    private:
        task_registry& r_;
    };

    std::uint64_t size() const noexcept {
        std::uint64_t n = 0;
        for (std::uint32_t i = 0; i < count_; ++i) n += shards_[i].size.load(std::memory_order_relaxed);
        return n;
    }

    // Refuses further adds and returns what is left (callers destroy those frames; the
    // final steps that would call remove() never run).
    std::vector<promise_base*> close_and_drain() {
        std::vector<promise_base*> out;
        for (std::uint32_t i = 0; i < count_; ++i) {
            shard& s = shards_[i];
            std::lock_guard lock(s.mu);
            s.closed = true;
            out.reserve(out.size() + s.count);
            for (std::size_t j = 0; j < s.count; ++j) out.push_back(s.at(j));
            s.count = 0;
            s.release_all();
            s.size.store(0, std::memory_order_relaxed);
        }
        return out;
    }

private:
    static constexpr std::size_t segment_bytes = segment_entries * sizeof(promise_base*);

    struct alignas(64) shard {
        mutex mu;
        std::vector<promise_base**> segs;  // ceil(count / segment_entries) segments
        promise_base** spare = nullptr;    // an empty segment kept for the next growth
        std::size_t count = 0;
        atomic<std::uint64_t> size{0};  // count, readable without the lock
        bool closed = false;

        shard() = default;
        shard(const shard&) = delete;
        shard& operator=(const shard&) = delete;
        ~shard() { release_all(); }

        promise_base*& at(std::size_t i) noexcept { return segs[i / segment_entries][i % segment_entries]; }
        // Appends a segment (the spare if there is one). False when out of memory.
        bool grow() noexcept {
            try {
                if (!spare) spare = static_cast<promise_base**>(map_pages(segment_bytes));
                segs.push_back(spare);
            } catch (...) {  // a new mapping, if any, stays as the spare
                return false;
            }
            spare = nullptr;
            return true;
        }
        void drop_last_segment() noexcept {
            promise_base** seg = segs.back();
            segs.pop_back();
            if (spare)
                unmap_pages(seg, segment_bytes);
            else
                spare = seg;
        }
        void release_all() noexcept {
            for (promise_base** seg : segs) unmap_pages(seg, segment_bytes);
            if (spare) unmap_pages(spare, segment_bytes);
            spare = nullptr;
            std::vector<promise_base**>().swap(segs);
        }
    };
    std::unique_ptr<shard[]> shards_;
    const std::uint32_t count_;
};

}  // namespace weft::detail
