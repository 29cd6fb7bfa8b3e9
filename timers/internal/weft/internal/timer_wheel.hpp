// timer_wheel.hpp — a hierarchical timing wheel (Varghese & Lauck), one per worker.
//
// Time is counted in ticks (1 ms by default; the runtime converts). Six levels of 64 slots:
// a slot of level L spans 64^L ticks, the whole level 64^(L+1), so the wheel covers
// 64^6 ticks (~2.2 years at 1 ms). A timer goes to the lowest level whose span reaches its
// deadline from `elapsed` (the last tick processed), in the slot its deadline falls in.
// When that slot comes due, timers of level 0 fire; timers of higher levels move down
// (cascade) to a finer level, and fire once a level-0 slot holding them comes due. A
// deadline beyond the wheel's range sits in the top level and is re-placed each time its
// slot comes round, until it is in range.
//
// Costs: insert and remove O(1) (intrusive doubly-linked slot lists); finding the next
// deadline is a handful of bit operations per level (an occupancy bitmap per level); each
// timer cascades at most once per level, so expiry is amortised O(1).
//
// Guarantees (tested against a reference in tests/timers/test_timer_wheel.cpp): a timer
// fires exactly once, or never if removed first; never before its deadline; and at the
// first advance() whose `now` reaches its deadline.
//
// Not thread-safe: the owner (a worker) serialises access; see docs/timers.md.
#pragma once

#include <bit>
#include <cstdint>
#include <optional>

#include <weft/detail/intrusive_list.hpp>
#include <weft/detail/timer_node.hpp>

namespace weft::detail {

class timer_wheel {
public:
    static constexpr unsigned levels = 6;
    static constexpr unsigned slot_bits = 6;
    static constexpr unsigned slots = 1u << slot_bits;  // 64: one uint64_t bitmap per level
    static constexpr std::uint64_t range = std::uint64_t{1} << (levels * slot_bits);

    explicit timer_wheel(std::uint64_t start_tick = 0) noexcept : elapsed_(start_tick) {}
    timer_wheel(const timer_wheel&) = delete;
    timer_wheel& operator=(const timer_wheel&) = delete;

    std::uint64_t elapsed() const noexcept { return elapsed_; }
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }

    // Arms `n` (not linked) for `deadline`. A deadline at or before elapsed() fires at the
    // next advance().
    void insert(timer_node* n, std::uint64_t deadline) noexcept {
        n->deadline = deadline;
        n->linked = true;
        ++size_;
        place(n);
    }

    // Disarms `n` if it is still armed; returns whether it was.
    bool remove(timer_node* n) noexcept {
        if (!n->linked) return false;
        unlink(n);
        n->linked = false;
        --size_;
        return true;
    }

    // The earliest tick at which advance() has something to do (a deadline, or a cascade,
    // which is never later than the deadlines it moves), or nullopt when empty.
    std::optional<std::uint64_t> next_expiration() const noexcept {
        if (due_.head) return elapsed_;
        expiration e = next();
        if (e.level == levels) return std::nullopt;
        return e.tick;
    }

    // Processes every tick up to `now`, calling fire(node) for each timer whose deadline
    // is reached, in deadline order as far as the 1-tick resolution goes (the node is
    // unlinked first; fire may insert or remove timers).
    template <class Fire>
    void advance(std::uint64_t now, Fire&& fire) {
        while (true) {
            if (timer_node* n = due_.pop_front()) {
                n->due = false;
                n->linked = false;
                --size_;
                fire(n);
                continue;
            }
            expiration e = next();
            if (e.level == levels || e.tick > now) break;
            elapsed_ = e.tick;
            // Take the whole slot; each timer either is due now or moves to a finer level.
            list taken = lists_[e.level][e.slot];
            lists_[e.level][e.slot] = {};
            occupied_[e.level] &= ~(std::uint64_t{1} << e.slot);
            while (timer_node* n = taken.pop_front()) place(n);
        }
        if (now > elapsed_) elapsed_ = now;
    }

private:
    using list = intrusive_list<timer_node>;

    static std::uint64_t slot_span(unsigned l) noexcept { return std::uint64_t{1} << (l * slot_bits); }
    static std::uint64_t level_span(unsigned l) noexcept { return std::uint64_t{1} << ((l + 1) * slot_bits); }

    // The level a deadline belongs to, seen from elapsed_: the highest 6-bit group in which
    // they differ. Beyond the wheel's range: the top level.
    unsigned level_for(std::uint64_t deadline) const noexcept {
        std::uint64_t masked = ((elapsed_ ^ deadline) | (slots - 1));
        unsigned significant = 63 - static_cast<unsigned>(std::countl_zero(masked));
        unsigned l = significant / slot_bits;
        return l < levels ? l : levels - 1;
    }

    void place(timer_node* n) noexcept {
        if (n->deadline <= elapsed_) {
            n->due = true;
            due_.push_back(n);
            return;
        }
        unsigned l = level_for(n->deadline);
        auto s = static_cast<unsigned>((n->deadline >> (l * slot_bits)) & (slots - 1));
        if (n->deadline - elapsed_ >= range) {
            // Beyond the wheel: park it in the top level's slot just behind the current
            // position, which comes due one turn from now; it is placed again then.
            auto pos = static_cast<unsigned>((elapsed_ >> (l * slot_bits)) & (slots - 1));
            s = (pos + slots - 1) & (slots - 1);
        }
        n->level = static_cast<std::uint8_t>(l);
        n->slot = static_cast<std::uint8_t>(s);
        lists_[l][s].push_back(n);
        occupied_[l] |= std::uint64_t{1} << s;
    }

    void unlink(timer_node* n) noexcept {
        if (n->due) {
            due_.erase(n);
            n->due = false;
            return;
        }
        list& lst = lists_[n->level][n->slot];
        lst.erase(n);
        if (!lst.head) occupied_[n->level] &= ~(std::uint64_t{1} << n->slot);
    }

    struct expiration {
        std::uint64_t tick = 0;
        unsigned level = levels;  // levels: nothing armed
        unsigned slot = 0;
    };

    // The occupied slot that comes due first, over all levels.
    expiration next() const noexcept {
        expiration best;
        for (unsigned l = 0; l < levels; ++l) {
            std::uint64_t occ = occupied_[l];
            if (!occ) continue;
            auto consider = [&](unsigned s) {
                std::uint64_t t = slot_start(l, s);
                if (best.level == levels || t < best.tick) best = {t, l, s};
            };
            // The current slot is looked at on its own: in the top level it may hold only
            // next-turn deadlines, and must not hide the slots after it.
            auto pos = static_cast<unsigned>((elapsed_ >> (l * slot_bits)) & (slots - 1));
            if (occ & (std::uint64_t{1} << pos)) consider(pos);
            std::uint64_t rest = occ & ~(std::uint64_t{1} << pos);
            if (rest)
                consider((pos + static_cast<unsigned>(std::countr_zero(std::rotr(rest, static_cast<int>(pos))))) &
                         (slots - 1));
        }
        return best;
    }

    // The tick at which slot s of level l starts: in the current turn of the level, or in
    // the next one for a slot behind the current position (only deadlines that crossed the
    // top level's turn, or lie beyond the range, are placed there).
    std::uint64_t slot_start(unsigned l, unsigned s) const noexcept {
        std::uint64_t t = (elapsed_ & ~(level_span(l) - 1)) + s * slot_span(l);
        // A slot starting exactly now is due now (elapsed_ may have reached it through a
        // cascade of another level). Only the top level holds slots behind the current
        // position (deadlines in its next turn, or parked beyond the range), and their start
        // is then strictly before elapsed_.
        return t < elapsed_ ? t + level_span(l) : t;
    }

    std::uint64_t elapsed_;
    std::size_t size_ = 0;
    std::uint64_t occupied_[levels] = {};
    list lists_[levels][slots] = {};
    list due_;
};

}  // namespace weft::detail
