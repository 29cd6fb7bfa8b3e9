// address.cpp — parsing and formatting with inet_pton/inet_ntop; the rest is plain data.
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>

#include <cstring>

#include <weft/net/address.hpp>

namespace weft::net {

ip_address ip_address::v4(std::array<std::uint8_t, 4> bytes) noexcept {
    ip_address a;
    std::memcpy(a.bytes_.data(), bytes.data(), 4);
    return a;
}

ip_address ip_address::v6(std::array<std::uint8_t, 16> bytes, std::uint32_t scope_id) noexcept {
    ip_address a;
    a.family_ = AF_INET6;
    a.bytes_ = bytes;
    a.scope_id_ = scope_id;
    return a;
}

ip_address ip_address::v6_loopback() noexcept {
    std::array<std::uint8_t, 16> b{};
    b[15] = 1;
    return v6(b);
}

ip_address ip_address::parse(std::string_view text) {
    std::string s(text);
    if (s.empty()) throw address_error("not an IP address: \"\" (empty)");
    if (s.find(':') == std::string::npos) {
        in_addr v4addr;
        if (::inet_pton(AF_INET, s.c_str(), &v4addr) != 1) throw address_error("not an IP address: \"" + s + "\"");
        ip_address a;
        std::memcpy(a.bytes_.data(), &v4addr, 4);
        return a;
    }
    std::uint32_t scope = 0;
    if (auto pct = s.find('%'); pct != std::string::npos) {
        std::string zone = s.substr(pct + 1);
        s.resize(pct);
        if (zone.empty()) throw address_error("not an IP address: \"" + std::string(text) + "\" (empty zone)");
        char* end = nullptr;
        unsigned long v = std::strtoul(zone.c_str(), &end, 10);
        if (*end != '\0') {
            v = ::if_nametoindex(zone.c_str());
            if (v == 0) throw address_error("not an IP address: \"" + std::string(text) + "\" (unknown interface)");
        }
        scope = static_cast<std::uint32_t>(v);
    }
    in6_addr v6addr;
    if (::inet_pton(AF_INET6, s.c_str(), &v6addr) != 1)
        throw address_error("not an IP address: \"" + std::string(text) + "\"");
    std::array<std::uint8_t, 16> b;
    std::memcpy(b.data(), &v6addr, 16);
    return v6(b, scope);
}

bool ip_address::is_loopback() const noexcept {
    if (is_v4()) return bytes_[0] == 127;
    return *this == v6_loopback();
}

bool ip_address::is_unspecified() const noexcept {
    for (int i = 0; i < (is_v4() ? 4 : 16); ++i)
        if (bytes_[static_cast<std::size_t>(i)] != 0) return false;
    return true;
}

std::string ip_address::to_string() const {
    char buf[INET6_ADDRSTRLEN + 16];
    ::inet_ntop(family_, bytes_.data(), buf, sizeof buf);
    std::string s(buf);
    // Appended piece by piece: gcc 12 warns (-Wrestrict, a false positive) about
    // `"literal" + std::string` at -O3.
    if (is_v6() && scope_id_ != 0) {
        s += '%';
        s += std::to_string(scope_id_);
    }
    return s;
}

socket_address socket_address::parse(std::string_view text) {
    std::string_view host, port;
    if (!text.empty() && text.front() == '[') {
        auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
            throw address_error("not a socket address: \"" + std::string(text) + "\" (expected [v6]:port)");
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string_view::npos || text.find(':') != colon)
            throw address_error("not a socket address: \"" + std::string(text) +
                                "\" (expected host:port, IPv6 in brackets)");
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    if (port.empty() || port.size() > 5) throw address_error("bad port in \"" + std::string(text) + "\"");
    unsigned p = 0;
    for (char c : port) {
        if (c < '0' || c > '9') throw address_error("bad port in \"" + std::string(text) + "\"");
        p = p * 10 + static_cast<unsigned>(c - '0');
    }
    if (p > 65535) throw address_error("port out of range in \"" + std::string(text) + "\"");
    ip_address ip;
    try {
        ip = ip_address::parse(host);
    } catch (const address_error&) {
        throw address_error("not a socket address: \"" + std::string(text) + "\" (bad IP address)");
    }
    if (ip.is_v6() && text.front() != '[')
        throw address_error("not a socket address: \"" + std::string(text) + "\" (IPv6 needs brackets)");
    return {ip, static_cast<std::uint16_t>(p)};
}

socket_address socket_address::from_sockaddr(const sockaddr* sa, socklen_t len) {
    if (sa->sa_family == AF_INET && len >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
        auto* in = reinterpret_cast<const sockaddr_in*>(sa);
        std::array<std::uint8_t, 4> b;
        std::memcpy(b.data(), &in->sin_addr, 4);
        return {ip_address::v4(b), ntohs(in->sin_port)};
    }
    if (sa->sa_family == AF_INET6 && len >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
        auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
        std::array<std::uint8_t, 16> b;
        std::memcpy(b.data(), &in6->sin6_addr, 16);
        return {ip_address::v6(b, in6->sin6_scope_id), ntohs(in6->sin6_port)};
    }
    throw address_error("not an IP socket address (family " + std::to_string(sa->sa_family) + ")");
}

std::string socket_address::to_string() const {
    // Built by appending (see ip_address::to_string: gcc 12's -Wrestrict false positive).
    std::string s;
    if (ip_.is_v6()) s += '[';
    s += ip_.to_string();
    if (ip_.is_v6()) s += ']';
    s += ':';
    s += std::to_string(port_);
    return s;
}

socklen_t socket_address::to_sockaddr(sockaddr_storage& st) const noexcept {
    std::memset(&st, 0, sizeof st);
    if (ip_.is_v4()) {
        auto* in = reinterpret_cast<sockaddr_in*>(&st);
        in->sin_family = AF_INET;
        in->sin_port = htons(port_);
        std::memcpy(&in->sin_addr, ip_.data(), 4);
        return sizeof(sockaddr_in);
    }
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&st);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port_);
    std::memcpy(&in6->sin6_addr, ip_.data(), 16);
    in6->sin6_scope_id = ip_.scope_id();
    return sizeof(sockaddr_in6);
}

}  // namespace weft::net

std::size_t std::hash<weft::net::ip_address>::operator()(const weft::net::ip_address& a) const noexcept {
    std::uint64_t h = 1469598103934665603ull ^ static_cast<std::uint64_t>(a.family());
    for (int i = 0; i < (a.is_v4() ? 4 : 16); ++i) h = (h ^ a.data()[i]) * 1099511628211ull;
    return static_cast<std::size_t>(h ^ a.scope_id());
}

std::size_t std::hash<weft::net::socket_address>::operator()(const weft::net::socket_address& a) const noexcept {
    return std::hash<weft::net::ip_address>()(a.ip()) * 31 + a.port();
}
