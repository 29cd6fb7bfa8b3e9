// router.cpp — route matching (see weft/http/router.hpp).
#include <weft/http/detail/server_connection.hpp>
#include <weft/http/router.hpp>

#include <algorithm>

#include <weft/error.hpp>

namespace weft::http {
namespace {

task<response> ready(response r) { co_return r; }

// The next segment of a path after position i (which is at a '/'); advances i.
std::string_view next_segment(std::string_view path, std::size_t& i) noexcept {
    const std::size_t from = i + 1;
    std::size_t to = path.find('/', from);
    if (to == std::string_view::npos) to = path.size();
    i = to;
    return path.substr(from, to - from);
}

bool is_param(std::string_view seg) noexcept { return seg.size() >= 2 && seg.front() == '{' && seg.back() == '}'; }

}  // namespace

router& router::add(std::string_view method, std::string_view pattern, http::handler h) {
    const std::string what = "weft::http::router: route '" + std::string(method) + " " + std::string(pattern) + "': ";
    if (!h) throw error(what + "the handler is empty");
    if (method.empty()) throw error(what + "the method is empty");
    if (pattern.empty() || pattern.front() != '/') throw error(what + "a pattern starts with '/'");
    route r{std::string(method), std::string(pattern), {}, {}, std::move(h)};
    const std::size_t star = pattern.find('*');
    const bool has_brace = pattern.find_first_of("{}") != std::string_view::npos;
    enum { exact, parametric, prefix } kind = exact;
    if (star != std::string_view::npos) {
        if (star != pattern.size() - 1 || pattern[star - 1] != '/')
            throw error(what + "'*' may only end a pattern, after a '/'");
        if (has_brace) throw error(what + "a prefix pattern cannot have parameters");
        r.prefix = std::string(pattern.substr(0, star));
        kind = prefix;
    } else if (has_brace) {
        std::size_t i = 0;
        while (i < pattern.size()) {
            std::string_view seg = next_segment(pattern, i);
            const bool braces = seg.find_first_of("{}") != std::string_view::npos;
            if (braces &&
                (!is_param(seg) || seg.substr(1, seg.size() - 2).find_first_of("{}/") != std::string_view::npos))
                throw error(what + "a parameter is a whole segment, '{name}'");
            r.segments.emplace_back(seg);
        }
        kind = parametric;
    }
    const std::size_t index = routes_.size();
    routes_.push_back(std::move(r));
    const route& added = routes_.back();
    if (kind == exact) {
        exact_[added.pattern].push_back(index);
    } else if (kind == parametric) {
        parametric_.push_back(index);
    } else {
        auto at = std::find_if(prefixes_.begin(), prefixes_.end(),
                               [&](std::size_t k) { return routes_[k].prefix.size() < added.prefix.size(); });
        prefixes_.insert(at, index);
    }
    return *this;
}

// The route for req (its parameters set in req), or nullptr. With `allowed`, collects the
// methods of the routes whose path matches instead (for 405).
const router::route* router::find(request& req, std::vector<std::string_view>* allowed) const {
    const std::string_view method = req.method();
    const std::string_view path = req.path();
    // Pass 0: the request's own method (or "*"); pass 1: GET for a HEAD request.
    for (int pass = 0; pass < (method == "HEAD" ? 2 : 1); ++pass) {
        const std::string_view want = pass == 0 ? method : std::string_view("GET");
        auto accept = [&](const route& r) {
            if (r.method == want || r.method == "*") return true;
            if (allowed) allowed->push_back(r.method);
            return false;
        };
        if (auto it = exact_.find(path); it != exact_.end()) {
            for (std::size_t k : it->second)
                if (accept(routes_[k])) return &routes_[k];
        }
        for (std::size_t k : parametric_) {
            const route& r = routes_[k];
            detail::request_access::clear_params(req);
            std::size_t i = 0, s = 0;
            bool ok = true;
            while (ok && i < path.size() && s < r.segments.size()) {
                std::string_view seg = next_segment(path, i);
                const std::string& pat = r.segments[s++];
                if (is_param(pat)) {
                    if (seg.empty())
                        ok = false;
                    else
                        detail::request_access::add_param(req, std::string_view(pat).substr(1, pat.size() - 2), seg);
                } else if (seg != pat) {
                    ok = false;
                }
            }
            if (ok && i == path.size() && s == r.segments.size() && accept(r)) return &r;
        }
        detail::request_access::clear_params(req);
        for (std::size_t k : prefixes_) {
            const route& r = routes_[k];
            const bool under = path.starts_with(r.prefix);
            const bool bare = path.size() + 1 == r.prefix.size() && std::string_view(r.prefix).starts_with(path);
            if ((under || bare) && accept(r)) {
                detail::request_access::add_param(req, "*", under ? path.substr(r.prefix.size()) : std::string_view());
                return &r;
            }
        }
    }
    return nullptr;
}

task<response> router::operator()(request& req) const {
    if (const route* r = find(req, nullptr)) return r->h(req);
    std::vector<std::string_view> allowed;
    find(req, &allowed);
    if (allowed.empty()) return ready(detail::error_response(404, ""));
    std::sort(allowed.begin(), allowed.end());
    allowed.erase(std::unique(allowed.begin(), allowed.end()), allowed.end());
    std::string allow;
    for (auto m : allowed) {
        if (!allow.empty()) allow += ", ";
        allow += m;
        if (m == "GET" && !std::binary_search(allowed.begin(), allowed.end(), std::string_view("HEAD")))
            allow += ", HEAD";
    }
    response r = detail::error_response(405, "");
    r.set_header("Allow", allow);
    return ready(std::move(r));
}

}  // namespace weft::http
