// request.cpp — the server's request: its fields and its body (see weft/http/request.hpp).
#include <weft/http/detail/server_connection.hpp>
#include <weft/http/request.hpp>

#include <cstring>

namespace weft::http {

std::optional<std::string_view> request::header(std::string_view name) const noexcept {
    for (std::size_t i = 0; i < header_count_; ++i)
        if (iequals(headers_[i].name, name)) return headers_[i].value;
    return std::nullopt;
}

std::string_view request::param(std::string_view name) const noexcept {
    for (std::size_t i = 0; i < param_count_; ++i)
        if (params_[i].name == name) return params_[i].value;
    return {};
}

task<std::span<const std::byte>> request::read_chunk() {
    if (!pending_.empty()) co_return std::exchange(pending_, {});
    if (body_ == nullptr) co_return std::span<const std::byte>{};
    co_return co_await body_->next_body_piece();
}

task<std::size_t> request::read_some(std::span<std::byte> buf) {
    if (buf.empty()) co_return 0;
    if (pending_.empty()) {
        if (body_ == nullptr) co_return 0;
        pending_ = co_await body_->next_body_piece();
        if (pending_.empty()) co_return 0;
    }
    const std::size_t n = std::min(buf.size(), pending_.size());
    std::memcpy(buf.data(), pending_.data(), n);
    pending_ = pending_.subspan(n);
    co_return n;
}

task<std::string> request::text() {
    std::string out;
    if (content_length_) out.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(*content_length_, 1u << 24)));
    while (true) {
        auto piece = co_await read_chunk();
        if (piece.empty()) break;
        out.append(reinterpret_cast<const char*>(piece.data()), piece.size());
    }
    co_return out;
}

task<std::vector<std::byte>> request::bytes() {
    std::vector<std::byte> out;
    if (content_length_) out.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(*content_length_, 1u << 24)));
    while (true) {
        auto piece = co_await read_chunk();
        if (piece.empty()) break;
        out.insert(out.end(), piece.begin(), piece.end());
    }
    co_return out;
}

namespace detail {

void request_access::bind(request& r, const char* base, const http1_parser& p, body_source* body) {
    r.method_ = p.method_name();
    const text_span t = p.target();
    r.target_ = std::string_view(base + t.off, t.len);
    std::string_view rest = r.target_;
    if (!rest.empty() && rest[0] != '/' && rest != "*") {
        // absolute-form (RFC 9112 3.2.2): the path starts after the authority.
        const auto scheme = rest.find("://");
        const auto from = scheme == std::string_view::npos ? 0 : scheme + 3;
        const auto cut = rest.find_first_of("/?", from);
        rest = cut == std::string_view::npos ? std::string_view() : rest.substr(cut);
    }
    if (const auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
    const auto q = rest.find('?');
    r.path_ = rest.substr(0, q);
    r.query_ = q == std::string_view::npos ? std::string_view() : rest.substr(q + 1);
    if (r.path_.empty()) r.path_ = "/";
    r.version_ = p.version_major() * 10 + p.version_minor();
    const auto fields = p.fields();
    if (r.headers_.size() < fields.size()) r.headers_.resize(fields.size());
    for (std::size_t i = 0; i < fields.size(); ++i)
        r.headers_[i] = {std::string_view(base + fields[i].name.off, fields[i].name.len),
                         std::string_view(base + fields[i].value.off, fields[i].value.len)};
    r.header_count_ = fields.size();
    r.content_length_ = p.content_length();
    r.chunked_ = p.chunked();
    r.body_ = body;
    r.pending_ = {};
    r.param_count_ = 0;
}

void request_access::add_param(request& r, std::string_view name, std::string_view value) {
    if (r.params_.size() == r.param_count_) r.params_.emplace_back();
    r.params_[r.param_count_++] = {name, value};
}

}  // namespace detail
}  // namespace weft::http
