// weft/error.hpp — the exceptions the coroutine API throws.
//
// Every weft exception derives from weft::error (itself a std::runtime_error), so one
// `catch (const weft::error&)` sees them all:
//   - cancelled_error: the task was cancelled (asyncio's CancelledError);
//   - timeout_error:   a weft::timeout deadline passed (asyncio's TimeoutError);
//   - config_error:    a configuration value was rejected; says source, key and value;
//   - system_error:    a system call failed; carries the errno (as std::system_error does).
//
//   try { co_await handle; }
//   catch (const weft::cancelled_error&) { /* the child was cancelled */ }
//
// Thread safety: exception objects are immutable after construction.
#pragma once

#include <stdexcept>
#include <string>
#include <system_error>

namespace weft {

class error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Delivered at a task's next suspension point once cancel() was requested.
class cancelled_error : public error {
public:
    cancelled_error() : error("weft: task cancelled") {}
};

// A deadline passed before the awaited operation finished (weft::timeout). The operation
// was cancelled and has finished cancelling when this is thrown.
class timeout_error : public error {
public:
    timeout_error() : error("weft: timed out") {}
};

// A configuration value was rejected. source() is "code", "env", a file path, ...
class config_error : public error {
public:
    config_error(std::string source, std::string key, std::string value, const std::string& why)
        : error(source + ": " + key + " = '" + value + "': " + why),
          source_(std::move(source)),
          key_(std::move(key)),
          value_(std::move(value)) {}
    const std::string& source() const noexcept { return source_; }
    const std::string& key() const noexcept { return key_; }
    const std::string& value() const noexcept { return value_; }

private:
    std::string source_, key_, value_;
};

// A failed system call; code().value() is the errno.
class system_error : public error {
public:
    system_error(int err, const std::string& what)
        : error(what + ": " + std::generic_category().message(err)), code_(err, std::generic_category()) {}
    const std::error_code& code() const noexcept { return code_; }

private:
    std::error_code code_;
};

}  // namespace weft
