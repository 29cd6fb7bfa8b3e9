// weft_mc/pct_scheduler.hpp — a PCT scheduler for Relacy (probabilistic concurrency
// testing: Burckhardt, Kothari, Musuvathi, Nagarakatte, "A Randomized Scheduler with
// Probabilistic Guarantees of Finding Bugs", ASPLOS 2010).
//
// Relacy's random scheduler picks a thread at random at every step, so a bug that needs one
// thread to run a long stretch (a whole park sequence) while another stands still between
// two particular instructions is found with vanishing probability. PCT gives each thread a
// random priority and always runs the highest-priority runnable thread; at d-1 random steps
// it drops the running thread's priority below everyone's. A bug of depth d (d ordering
// constraints) in a run of k steps with n threads is then found in each run with
// probability at least 1 / (n k^(d-1)). Loads still read a random value among those the
// memory model allows (Relacy's rand()). A thread that yields (a spin-wait step) drops to
// the lowest priority, so a spinning thread lets the others move.
//
// Each run is seeded with its iteration number, so Relacy's replay of a failing run (which
// collects the history it prints) takes the same decisions.
//
// Thread safety: one simulation at a time (the configuration is a global).
#pragma once

#include <cstdint>

#include "relacy.hpp"

namespace weft::mc {

struct pct_settings {
    unsigned depth = 3;    // d: priority changes + 1
    unsigned steps = 500;  // k: the change points fall in [1, k]
};
inline pct_settings pct_config;

template <rl::thread_id_t thread_count>
class pct_scheduler : public rl::scheduler<pct_scheduler<thread_count>, rl::scheduler_thread_info, thread_count> {
public:
    using base_t = rl::scheduler<pct_scheduler<thread_count>, rl::scheduler_thread_info, thread_count>;
    using thread_info_t = typename base_t::thread_info_t;
    using shared_context_t = typename base_t::shared_context_t;
    struct task_t {};

    static constexpr unsigned max_depth = 8;

    pct_scheduler(rl::test_params& params, shared_context_t& ctx, rl::thread_id_t dynamic_thread_count)
        : base_t(params, ctx, dynamic_thread_count) {}

    rl::thread_id_t iteration_begin_impl() {
        rand_.seed(this->iter_);
        depth_ = pct_config.depth < 1 ? 1 : (pct_config.depth > max_depth ? max_depth : pct_config.depth);
        // Initial priorities: a random permutation of depth .. depth + n - 1 (the values below
        // depth are for the threads the change points demote).
        for (rl::thread_id_t i = 0; i != thread_count; ++i) priority_[i] = static_cast<int>(depth_ + i);
        for (rl::thread_id_t i = thread_count; i > 1; --i) {
            unsigned j = rand_.rand() % i;
            int t = priority_[i - 1];
            priority_[i - 1] = priority_[j];
            priority_[j] = t;
        }
        for (unsigned c = 0; c + 1 < depth_; ++c) change_at_[c] = 1 + rand_.rand() % pct_config.steps;
        lowest_ = 0;
        step_ = 0;
        rl::unpark_reason reason;
        return schedule_impl(reason, 0);
    }

    bool iteration_end_impl() { return this->iter_ == this->params_.iteration_count; }

    rl::thread_id_t schedule_impl(rl::unpark_reason& reason, unsigned yield) {
        ++step_;
        if (this->thread_) {
            const rl::thread_id_t cur = this->thread_->index_;
            for (unsigned c = 0; c + 1 < depth_; ++c)
                if (change_at_[c] == step_) priority_[cur] = static_cast<int>(depth_ - 2 - c);
            if (yield) priority_[cur] = --lowest_;
        }
        // Timeouts and spurious wake-ups happen now and then, as in Relacy's random scheduler.
        if (this->timed_thread_count_ && (this->running_threads_count == 0 || rand_.rand() % 16 == 0)) {
            thread_info_t* thr = this->timed_threads_[rand_.rand() % this->timed_thread_count_];
            this->unpark_thread(thr->index_);
            reason = rl::unpark_reason_timeout;
            return thr->index_;
        }
        if (this->spurious_thread_count_ && this->running_threads_count && rand_.rand() % 64 == 0) {
            thread_info_t* thr = this->spurious_threads_[rand_.rand() % this->spurious_thread_count_];
            this->unpark_thread(thr->index_);
            reason = rl::unpark_reason_spurious;
            return thr->index_;
        }
        RL_VERIFY(this->running_threads_count);
        rl::thread_id_t best = this->running_threads[0];
        for (rl::thread_id_t i = 1; i < this->running_threads_count; ++i) {
            rl::thread_id_t th = this->running_threads[i];
            if (priority_[th] > priority_[best]) best = th;
        }
        reason = rl::unpark_reason_normal;
        return best;
    }

    unsigned rand_impl(unsigned limit, rl::sched_type) { return rand_.rand() % limit; }
    rl::iteration_t iteration_count_impl() { return this->params_.iteration_count; }
    void get_state_impl(std::ostream&) {}
    void set_state_impl(std::istream&) {}
    void on_thread_block(rl::thread_id_t, bool) {}

private:
    rl::random_generator rand_;
    int priority_[thread_count] = {};
    unsigned change_at_[max_depth] = {};
    unsigned depth_ = 1;
    unsigned step_ = 0;
    int lowest_ = 0;
};

}  // namespace weft::mc
