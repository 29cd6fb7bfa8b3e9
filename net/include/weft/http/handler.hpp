// weft/http/handler.hpp — handler: what serves a request. Its shape is
// `task<response>(request&)`: a router is one; so is any function or lambda of that shape
// (aiohttp's handler coroutine).
//
//   weft::http::handler hello = [](weft::http::request&) -> weft::task<weft::http::response> {
//       co_return weft::http::response::text("Hello, World!");
//   };
//
// Coroutine lambdas must not capture (the captures die with the lambda object, before the
// task ends; docs/guide.md): pass state through a pointer the server outlives, or use a
// named function. A handler may throw: status_error becomes its status, anything else a
// 500, and the connection goes on. Cancellation: a handler is cancelled when the server
// stops and the grace period has passed. Thread safety: handlers run on any worker, many at
// once: what they share must be thread-safe.
#pragma once

#include <functional>

#include <weft/http/request.hpp>
#include <weft/http/response.hpp>
#include <weft/task.hpp>

namespace weft::http {

// What serves a request: takes the request, returns the response (a router, or any callable of that shape).
using handler = std::function<task<response>(request&)>;

}  // namespace weft::http
