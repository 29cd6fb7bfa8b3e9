// mc_support.hpp — running a scenario under the model checker from a GoogleTest test.
//
// A scenario is a Relacy test suite (`struct s : rl::test_suite<s, threads>` with
// before(), thread(i) and after(); see relacy/test_suite.hpp), written against weft's real
// protocol headers, which this build compiles with WEFT_MODEL_CHECK (weft/detail/atomic.hpp).
// Relacy runs the threads as fibers of the calling thread and switches between them at
// every atomic operation, fence, mutex or futex call; a load may return any store the
// C++ memory model allows it to see (per-atomic store histories, vector clocks).
//
//   explore<my_scenario>(exhaustive(2));       // every schedule with <= 2 preemptions
//   explore<my_scenario>(randomized(20'000));  // 20k random schedules
//   explore<my_scenario>(pct(20'000, 3, 400));  // 20k PCT schedules, depth 3
//   expect_rejected<broken_scenario>(randomized(20'000));  // must find the bug
//
// A failure (an assertion in the scenario, a data race on an rl::var, a deadlock — every
// thread blocked, the signature of a lost wake-up —, a livelock, a leak or double free)
// fails the test and prints Relacy's report: the failing interleaving, operation by
// operation, with the file and line of each.
//
// Bounds (not a WEFT_ variable: those are runtime configuration keys, config.hpp):
// WEFTMC_SCALE=n multiplies the randomized iteration counts and adds n-1 to the
// exhaustive preemption bounds (default 1: the default test run stays around a minute).
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ostream>
#include <streambuf>
#include <string>

#include "weft_mc/pct_scheduler.hpp"
#include "weft_mc/relacy.hpp"

namespace weft::mc {

struct bounds {
    enum kind_t { exhaustive, random, pct } kind;
    unsigned preemptions = 0;  // exhaustive: the context bound
    long iterations = 0;       // random, pct: how many schedules
    unsigned depth = 0;        // pct: the bug depth it aims at
    unsigned steps = 0;        // pct: about how many steps a run takes
};

inline long scale() {
    const char* s = std::getenv("WEFTMC_SCALE");
    long v = s ? std::strtol(s, nullptr, 10) : 1;
    return v >= 1 ? v : 1;
}

// Every schedule with at most `preemptions` preemptions (switches away from a thread that
// could go on), each with every value its loads may read.
inline bounds exhaustive(unsigned preemptions) {
    return {bounds::exhaustive, preemptions + static_cast<unsigned>(scale() - 1)};
}
// `iterations` random schedules (a random choice at every scheduling point and load).
inline bounds randomized(long iterations) { return {bounds::random, 0, iterations * scale()}; }
// `iterations` PCT schedules (weft_mc/pct_scheduler.hpp) for bugs of depth `depth` in runs
// of about `steps` scheduling points.
inline bounds pct(long iterations, unsigned depth, unsigned steps) {
    return {bounds::pct, 0, iterations * scale(), depth, steps};
}

// Relacy's report, captured without allocating while a simulation runs (Relacy owns the
// heap of the simulated program then).
class report_buffer : public std::streambuf {
public:
    report_buffer() { reset(); }
    void reset() { setp(buf_, buf_ + sizeof buf_ - 1); }
    std::string str() const { return std::string(pbase(), pptr()); }

protected:
    int overflow(int c) override { return c; }  // full: the rest is cut

private:
    char buf_[1 << 20];
};

struct result {
    bool passed;
    long schedules;  // explored (or up to the failing one)
    std::string report;
};

// rl::simulate with any scheduler: a failing run is replayed (same decisions) to collect
// the history Relacy prints.
template <class Scenario, template <rl::thread_id_t> class Scheduler>
bool simulate_with(rl::test_params& p) {
    using sched = Scheduler<Scenario::params::thread_count>;
    rl::ostringstream state;
    const rl::test_result_e res = rl::run_test<Scenario, sched>(p, state, false);
    if (res != rl::test_result_success) {
        rl::ostringstream unused;
        p.initial_state = state.str();
        p.collect_history = true;
        (void)rl::run_test<Scenario, sched>(p, unused, true);
    }
    return res == rl::test_result_success;
}

template <class Scenario>
result run(const bounds& b) {
    static report_buffer buf;
    buf.reset();
    std::ostream out(&buf);
    rl::test_params p;
    p.context_bound = b.preemptions;
    p.iteration_count = b.iterations > 0 ? static_cast<rl::iteration_t>(b.iterations) : 1;
    static std::ostream no_progress(nullptr);  // a stream without a buffer writes nothing
    p.output_stream = &out;
    p.progress_stream = &no_progress;
    p.progress_output_period = 1u << 30;
    p.test_name = "scenario";
    bool ok = false;
    switch (b.kind) {
        case bounds::exhaustive:
            p.search_type = rl::sched_bound;
            ok = simulate_with<Scenario, rl::context_bound_scheduler>(p);
            break;
        case bounds::random:
            p.search_type = rl::sched_random;
            ok = simulate_with<Scenario, rl::random_scheduler>(p);
            break;
        case bounds::pct:
            p.search_type = rl::sched_random;  // what Relacy's context expects of a randomized search
            pct_config = {b.depth, b.steps};
            ok = simulate_with<Scenario, pct_scheduler>(p);
            break;
    }
    return {ok, static_cast<long>(p.stop_iteration), buf.str()};
}

// The scenario must hold in every explored schedule.
template <class Scenario>
void explore(const bounds& b) {
    result r = run<Scenario>(b);
    EXPECT_TRUE(r.passed) << "the model checker found a failing interleaving:\n" << r.report;
    if (r.passed) std::printf("  %ld schedules explored\n", r.schedules);
}

// Whether the report names one of the '|'-separated kinds of failure in `what`.
inline bool reports(const std::string& report, const char* what) {
    std::string kinds(what);
    std::size_t start = 0;
    while (true) {
        std::size_t end = kinds.find('|', start);
        std::string kind = kinds.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (!kind.empty() && report.find(kind) != std::string::npos) return true;
        if (end == std::string::npos) return false;
        start = end + 1;
    }
}

// A deliberately broken variant: the checker must find a failing interleaving (and says
// which). `what` names the expected kind of report ("DEADLOCK", "DATA RACE", "assertion").
template <class Scenario>
void expect_rejected(const bounds& b, const char* what) {
    result r = run<Scenario>(b);
    ASSERT_FALSE(r.passed) << "the checker accepted a broken variant after " << r.schedules << " schedules";
    EXPECT_NE(r.report.find("execution history"), std::string::npos) << r.report;
    EXPECT_TRUE(reports(r.report, what)) << "expected a report of " << what << ":\n" << r.report;
    // The first lines of the report: what failed, and after how many schedules.
    std::size_t end = r.report.find("execution history");
    std::printf("  rejected after %ld schedules: %s", r.schedules, r.report.substr(0, end).c_str());
    if (std::getenv("WEFTMC_VERBOSE")) std::printf("%s\n", r.report.c_str());
}

}  // namespace weft::mc
