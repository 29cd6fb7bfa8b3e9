// weft/http/router.hpp — router: picks a handler by method and path (aiohttp's
// app.router / web.RouteTableDef). A router is a handler itself; any other handler can
// take its place.
//
//   weft::http::router r;
//   r.get("/", index);                          // exact path
//   r.get("/users/{id}", show_user);            // req.param("id"): one path segment
//   r.post("/users", create_user);
//   r.get("/static/*", serve_static);           // prefix: req.param("*") is the rest
//   weft::http::server srv(std::move(r));
//
// Matching: exact routes first (a hash lookup), then routes with parameters in the order
// they were added, then prefix routes, the longest prefix first. A path that matches no
// route gets 404; one that matches only for other methods gets 405 with an Allow field.
// HEAD uses the GET route when it has none of its own (the server sends no body). Paths
// are compared as sent (not percent-decoded); parameter values view the request.
//
// Cancellation: matching never waits; the route's handler is what runs (and is cancelled).
// Thread safety: add routes before serving; matching is const and runs on many workers.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <weft/http/handler.hpp>
#include <weft/task.hpp>

namespace weft::http {

// A handler that dispatches on method and path pattern ("/users/{id}", "/static/*"): 404 if no
// pattern matches, 405 if one matches but not the method. Add routes before serving.
class router {
public:
    router() = default;

    // method: "GET", "POST", ... or "*" for any. Throws weft::error for a malformed pattern
    // (not starting with '/', an unclosed '{', '*' not at the end) or an empty handler.
    router& add(std::string_view method, std::string_view pattern, http::handler h);
    // add("GET", pattern, h).
    router& get(std::string_view pattern, http::handler h) { return add("GET", pattern, std::move(h)); }
    // add("POST", pattern, h).
    router& post(std::string_view pattern, http::handler h) { return add("POST", pattern, std::move(h)); }
    // add("PUT", pattern, h).
    router& put(std::string_view pattern, http::handler h) { return add("PUT", pattern, std::move(h)); }
    // add("PATCH", pattern, h).
    router& patch(std::string_view pattern, http::handler h) { return add("PATCH", pattern, std::move(h)); }
    // add("DELETE", pattern, h).
    router& del(std::string_view pattern, http::handler h) { return add("DELETE", pattern, std::move(h)); }
    // add("*", pattern, h): any method.
    router& any(std::string_view pattern, http::handler h) { return add("*", pattern, std::move(h)); }

    // Serves req: the matching route's handler, or 404/405.
    task<response> operator()(request& req) const;

private:
    struct route {
        std::string method;
        std::string pattern;
        std::vector<std::string> segments;  // parametric: "users", "{id}"
        std::string prefix;                 // prefix routes: the part before '*'
        http::handler h;
    };
    enum class match_result { none, wrong_method, found };

    match_result match_exact(request& req, const route** out) const;
    const route* find(request& req, std::vector<std::string_view>* allowed) const;

    struct string_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    std::vector<route> routes_;
    std::unordered_map<std::string, std::vector<std::size_t>, string_hash, std::equal_to<>> exact_;
    std::vector<std::size_t> parametric_;
    std::vector<std::size_t> prefixes_;  // longest prefix first
};

}  // namespace weft::http
