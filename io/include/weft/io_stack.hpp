// weft/io_stack.hpp — weft::io_stack: a runtime whose workers each have a reactor (timers
// + the I/O driver of io_config::driver; see weft/runtime_stack.hpp). Every public header
// of the io module includes this one, which registers the stack as a candidate default: a
// program that includes any I/O header (and so every net header) gets it in weft::run and
// `weft::runtime rt;`.
//
//   weft::runtime rt(weft::runtime_config::load(), weft::io_stack);
//
// Thread safety: a constant.
#pragma once

#include <memory>

#include <weft/runtime_stack.hpp>
#include <weft/timers_stack.hpp>

namespace weft {

namespace detail {
std::unique_ptr<runtime_services> make_io_services(runtime_core& core, runtime_config& cfg);
}

inline constexpr runtime_stack io_stack{"io", 2, &detail::make_io_services};

namespace detail {
inline const bool io_stack_registered = register_stack(io_stack);
}

}  // namespace weft
