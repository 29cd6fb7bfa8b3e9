// weft/detail/atomic.hpp — the atomics and fences of weft's lock-free protocols, behind one
// name, so that a model checker can run the real protocol code.
//
// Every protocol that threads share without a lock (the run queues, the idle word, the
// parkers, the promise and join words, the wait-queue hand-off, the spin lock) spells its
// atomics detail::atomic<T>, its fences detail::fence(order) and its spin-wait pause
// detail::cpu_relax(). In every build of the library these are std::atomic<T>,
// std::atomic_thread_fence and a pause instruction: the same code, at the same cost.
//
// tests/mc/ compiles the same headers with WEFT_MODEL_CHECK defined, which turns them into
// the checker's types (Relacy's atomics, with the caller's source location for the failing
// interleaving it prints): every interleaving and every value a load may read under the
// C++ memory model is then explored on the code that ships. Users never define it.
//
//   detail::atomic<std::uint64_t> tail_{0};
//   tail_.store(t + 1, std::memory_order_release);
//   detail::fence(std::memory_order_seq_cst);
//
// Thread safety: as std::atomic.
#pragma once

#include <atomic>

#if defined(WEFT_MODEL_CHECK)
#include <weft_mc/atomic.hpp>  // tests/mc: weft::mc::atomic, fence, cpu_relax
#endif

namespace weft::detail {

#if defined(WEFT_MODEL_CHECK)
template <class T>
using atomic = mc::atomic<T>;
using mc::cpu_relax;
using mc::fence;
#else
template <class T>
using atomic = std::atomic<T>;

// A thread fence (named apart from std::atomic_thread_fence, which argument-dependent
// lookup would otherwise make ambiguous).
inline void fence(std::memory_order order) noexcept { std::atomic_thread_fence(order); }

// One step of a spin-wait.
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
}
#endif

}  // namespace weft::detail
