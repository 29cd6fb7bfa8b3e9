// weft/error.hpp — the exceptions the coroutine API throws.
//
// Every weft exception type ends in `_error`. All but one derive from weft::error (itself a
// std::runtime_error), so one `catch (const weft::error&)` sees every *failure*:
//   - timeout_error:   a weft::timeout deadline passed (asyncio's TimeoutError);
//   - config_error:    a configuration value was rejected; says source, key and value;
//   - system_error:    a system call failed; carries the errno (as std::system_error does);
//   - task_group_error: children of a task_group failed; holds every failure (asyncio's
//                      ExceptionGroup);
//   - channel_closed_error:  send on a closed channel / oneshot, or receive from a closed oneshot;
//   - queue_full_error, queue_empty_error, queue_shut_down_error: weft::queue's put_nowait /
//                      get_nowait / shutdown errors (asyncio.QueueFull, QueueEmpty, QueueShutDown).
//
// cancelled_error (the task was cancelled: asyncio's CancelledError) is not a failure and
// is deliberately *outside* std::exception and weft::error, the way abi::__forced_unwind
// (thread cancellation) is: `catch (const std::exception&)` and `catch (const weft::error&)`
// let it through, so the most common catch clauses cannot swallow a cancellation by
// accident (Python moved CancelledError to BaseException for the same reason). Catch it by
// name when you mean to; a `catch (...)` must end in `throw;` unless it means to stop the
// cancellation (the task then runs on: delivery is one-shot, as in asyncio).
//
//   try { co_await handle; }
//   catch (const weft::cancelled_error&) { /* the child was cancelled */ }
//   catch (const weft::error& e) { /* it failed: e.what() */ }
//
// Thread safety: exception objects are immutable after construction.
#pragma once

#include <exception>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace weft {

class error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Delivered at a task's next suspension point once cancel() was requested. Not a
// std::exception (see above); what() is there for logging.
class cancelled_error {
public:
    const char* what() const noexcept { return "weft: task cancelled"; }
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

// One or more children of a task_group failed. Like asyncio's ExceptionGroup it is thrown
// even for a single failure, so callers handle one shape; exceptions() holds every failure
// in the order the children finished (a child's cancelled_error is never among them).
class task_group_error : public error {
public:
    explicit task_group_error(std::vector<std::exception_ptr> errors)
        : error(describe(errors)), errors_(std::move(errors)) {}
    const std::vector<std::exception_ptr>& exceptions() const noexcept { return errors_; }

private:
    static std::string describe(const std::vector<std::exception_ptr>& errors) {
        std::string s = "weft::task_group: " + std::to_string(errors.size()) + " child task(s) failed";
        for (const auto& e : errors) {
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                s += std::string("; ") + ex.what();
            } catch (const cancelled_error& c) {
                s += std::string("; ") + c.what();
            } catch (...) {
                s += "; (unknown exception)";
            }
        }
        return s;
    }
    std::vector<std::exception_ptr> errors_;
};

// Sending on a closed channel (or oneshot), or receiving from a oneshot closed empty.
class channel_closed_error : public error {
public:
    channel_closed_error() : error("weft: the channel is closed") {}
};

// weft::queue: put_nowait on a full queue, get_nowait on an empty one, put/get after
// shutdown (asyncio.QueueFull / QueueEmpty / QueueShutDown).
class queue_full_error : public error {
public:
    queue_full_error() : error("weft::queue: full") {}
};
class queue_empty_error : public error {
public:
    queue_empty_error() : error("weft::queue: empty") {}
};
class queue_shut_down_error : public error {
public:
    queue_shut_down_error() : error("weft::queue: shut down") {}
};

}  // namespace weft
