// weft/timers_stack.hpp — weft::timers_stack: a runtime whose workers have timer wheels
// (core + timers; see weft/runtime_stack.hpp). Every public header of the timers module
// includes this one, which registers the stack as a candidate default: a program that
// includes <weft/sleep.hpp> gets timers in weft::run and `weft::runtime rt;`.
//
//   weft::runtime rt(weft::runtime_config{}, weft::timers_stack);   // timers, no I/O driver
//
// Thread safety: a constant.
#pragma once

#include <memory>

#include <weft/runtime_stack.hpp>

namespace weft {

namespace detail {
std::unique_ptr<runtime_services> make_timer_services(runtime_core& core, runtime_config& cfg);
}

inline constexpr runtime_stack timers_stack{"timers", 1, &detail::make_timer_services};

namespace detail {
inline const bool timers_stack_registered = register_stack(timers_stack);
}

}  // namespace weft
