// url.cpp — URL parsing over http_parser_parse_url, and RFC 3986 reference resolution.
#include <weft/http/errors.hpp>
#include <weft/http/url.hpp>

#include <http_parser.h>

#include <algorithm>
#include <cctype>
#include <vector>

namespace weft::http {
namespace {

std::string lowered(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::uint16_t default_port(std::string_view scheme) noexcept {
    if (scheme == "http" || scheme == "ws") return 80;
    if (scheme == "https" || scheme == "wss") return 443;
    return 0;
}

// RFC 3986 5.2.4.
std::string remove_dot_segments(std::string_view in) {
    std::vector<std::string_view> out;
    const bool absolute = !in.empty() && in.front() == '/';
    std::size_t i = absolute ? 1 : 0;
    bool trailing_slash = false;
    while (i <= in.size()) {
        std::size_t j = in.find('/', i);
        if (j == std::string_view::npos) j = in.size();
        std::string_view seg = in.substr(i, j - i);
        trailing_slash = false;
        if (seg == "..") {
            if (!out.empty()) out.pop_back();
            trailing_slash = true;
        } else if (seg == ".") {
            trailing_slash = true;
        } else {
            out.push_back(seg);
        }
        i = j + 1;
    }
    std::string s = absolute ? "/" : "";
    for (std::size_t k = 0; k < out.size(); ++k) {
        if (k > 0) s += '/';
        s += out[k];
    }
    if (trailing_slash && !s.empty() && s.back() != '/') s += '/';
    return s;
}

}  // namespace

url url::parse(std::string_view text) {
    const std::string shown(text);
    for (char c : text)
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
            throw url_error(shown, "contains a space or a control character");
    http_parser_url u;
    http_parser_url_init(&u);
    if (text.empty() || http_parser_parse_url(text.data(), text.size(), 0, &u) != 0)
        throw url_error(shown, "not a valid absolute URL");
    auto field = [&](int f) {
        return (u.field_set & (1 << f)) ? text.substr(u.field_data[f].off, u.field_data[f].len) : std::string_view();
    };
    if (!(u.field_set & (1 << UF_SCHEMA))) throw url_error(shown, "no scheme (expected http://...)");
    if (!(u.field_set & (1 << UF_HOST)) || field(UF_HOST).empty()) throw url_error(shown, "no host");
    url r;
    r.scheme_ = lowered(field(UF_SCHEMA));
    r.host_ = lowered(field(UF_HOST));
    if (u.field_set & (1 << UF_PORT)) {
        if (u.port == 0) throw url_error(shown, "port 0");
        r.port_ = u.port;
    } else {
        r.port_ = default_port(r.scheme_);
        if (r.port_ == 0) throw url_error(shown, "no port, and scheme '" + r.scheme_ + "' has no default");
    }
    r.path_ = std::string(field(UF_PATH));
    if (r.path_.empty()) r.path_.push_back('/');
    r.query_ = std::string(field(UF_QUERY));
    return r;
}

std::string url::target() const { return query_.empty() ? path_ : path_ + "?" + query_; }

std::string url::authority() const {
    std::string a;
    if (host_.find(':') != std::string::npos) {
        a += '[';
        a += host_;
        a += ']';
    } else {
        a = host_;
    }
    if (port_ != default_port(scheme_)) {
        a += ':';
        a += std::to_string(port_);
    }
    return a;
}

std::string url::str() const { return scheme_ + "://" + authority() + target(); }

url url::resolve(std::string_view ref) const {
    if (const auto hash = ref.find('#'); hash != std::string_view::npos) ref = ref.substr(0, hash);
    // An absolute reference: a scheme (letters, digits, + - .) followed by ':'.
    const auto colon = ref.find(':');
    if (colon != std::string_view::npos && colon > 0 && ref.find_first_of("/?") > colon &&
        std::isalpha(static_cast<unsigned char>(ref[0])))
        return parse(ref);
    if (ref.starts_with("//")) return parse(scheme_ + ":" + std::string(ref));
    url r = *this;
    if (ref.empty()) return r;
    const auto q = ref.find('?');
    std::string_view path = ref.substr(0, q);
    std::string_view query = q == std::string_view::npos ? std::string_view() : ref.substr(q + 1);
    if (path.empty()) {
        r.query_ = std::string(query);  // "?x": same path
        return r;
    }
    if (path.front() == '/') {
        r.path_ = remove_dot_segments(path);
    } else {
        const auto slash = path_.rfind('/');
        r.path_ = remove_dot_segments(path_.substr(0, slash + 1) + std::string(path));
    }
    if (r.path_.empty()) r.path_.push_back('/');
    r.query_ = std::string(query);
    for (char c : r.path_ + r.query_)
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
            throw url_error(std::string(ref), "contains a space or a control character");
    return r;
}

}  // namespace weft::http
