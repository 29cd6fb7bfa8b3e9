// weft/detail/spawn_site.hpp — where spawned tasks come from: a process-wide table of spawn
// sites (a source location, and a name when the user gives one), each known by a small id
// that a root task keeps in spare bits of its promise (promise_base::root_bits), so that
// recording the site costs no memory per task. Users do not include this; see
// weft/task_dump.hpp for what it serves.
//
// Ids: 0 = unknown (a task spawned by weft itself, e.g. a when_all child, or block_on's
// driver); 1..max_sites-2 = interned sites; max_sites-1 = "other" (the table is full: a
// program with more than 4,093 distinct spawn sites shares the last id for the rest).
// Interning goes through a small per-thread cache (a hash of the location's file and
// function string addresses, its line and the name's address), so a spawn from a hot site
// costs a few loads; a miss takes the table's mutex once per thread and site.
//
// Why not std::source_location in the signatures: clang 14 with libstdc++ 12 (Debian 12's
// pair) has no std::source_location at all (libstdc++ needs __builtin_source_location, which
// clang gained in 15), so a consumer compiling with clang could not even parse runtime.hpp.
// spawn_location has one layout for every compiler (the library and its user may be built
// by different ones) and is filled from std::source_location where it exists (gcc: the full
// signature of the spawning function) and from __builtin_FILE/FUNCTION/LINE elsewhere
// (clang 14: the function's plain name). Either way the default argument is evaluated at
// the user's call of spawn.
//
// Thread safety: intern_site() and site_of() may be called from any thread; an entry never
// changes once published.
#pragma once

#include <cstdint>
#include <string>
#include <version>
#if defined(__cpp_lib_source_location)
#include <source_location>
#endif

namespace weft::detail {

// Where a call was written: spawn's default argument `spawn_location::current()`.
struct spawn_location {
    const char* file = nullptr;
    const char* function = nullptr;
    std::uint32_t line = 0;

#if defined(__cpp_lib_source_location)
    static constexpr spawn_location current(std::source_location w = std::source_location::current()) noexcept {
        return {w.file_name(), w.function_name(), w.line()};
    }
#else
    static constexpr spawn_location current(const char* file = __builtin_FILE(),
                                            const char* function = __builtin_FUNCTION(),
                                            std::uint32_t line = __builtin_LINE()) noexcept {
        return {file, function, line};
    }
#endif
};

inline constexpr std::uint32_t max_sites = 1u << 12;  // 12 bits in promise_base::up_
inline constexpr std::uint16_t unknown_site = 0;
inline constexpr std::uint16_t overflow_site = max_sites - 1;

struct spawn_site {
    const char* file = nullptr;      // null for the unknown and overflow ids
    const char* function = nullptr;  // the function that called spawn
    std::uint32_t line = 0;
    const char* name = nullptr;  // weft::task_name given at spawn, if any (static storage)
};

// The id of the site `where` (with `name`, a string of static storage duration, or null).
std::uint16_t intern_site(const spawn_location& where, const char* name) noexcept;
// The site of an id; an empty site for unknown_site, overflow_site or an id never handed out.
spawn_site site_of(std::uint16_t id) noexcept;
// A spawn site's function as the user wrote it (gcc names a coroutine's body after its
// frame type: "void f(f(int)::_Z1fi.Frame*)" becomes "f(int)").
std::string readable_function(const char* function);

}  // namespace weft::detail
