// weft/net/address.hpp — IP addresses and socket addresses (IPv4 and IPv6): parse, format,
// compare, hash, and convert to and from the kernel's sockaddr.
//
//   auto a = weft::net::socket_address::parse("127.0.0.1:8080");
//   auto b = weft::net::socket_address::parse("[::1]:8080");
//   auto c = weft::net::socket_address(weft::net::ip_address::v6_loopback(), 0);
//   a.to_string();  // "127.0.0.1:8080"
//
// A string that is not an address throws weft::net::address_error naming it. Python:
// ipaddress.ip_address and the (host, port) tuples of the socket module. No I/O, so nothing
// here is a cancellation point.
//
// Thread safety: value types; distinct objects are independent, and const members may be
// called on one object from several threads.
#pragma once

#include <sys/socket.h>

#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include <weft/error.hpp>

namespace weft::net {

class address_error : public weft::error {
public:
    using weft::error::error;
};

class ip_address {
public:
    // 0.0.0.0
    ip_address() noexcept = default;
    static ip_address v4(std::array<std::uint8_t, 4> bytes) noexcept;
    static ip_address v6(std::array<std::uint8_t, 16> bytes, std::uint32_t scope_id = 0) noexcept;
    static ip_address v4_loopback() noexcept { return v4({127, 0, 0, 1}); }
    static ip_address v6_loopback() noexcept;
    static ip_address v4_any() noexcept { return {}; }
    static ip_address v6_any() noexcept { return v6({}); }
    // "192.0.2.1", "2001:db8::1", "fe80::1%2" (numeric scope). Throws address_error.
    static ip_address parse(std::string_view text);

    bool is_v4() const noexcept { return family_ == AF_INET; }
    bool is_v6() const noexcept { return family_ == AF_INET6; }
    bool is_loopback() const noexcept;
    bool is_unspecified() const noexcept;
    int family() const noexcept { return family_; }
    // 4 or 16 bytes, network order.
    const std::uint8_t* data() const noexcept { return bytes_.data(); }
    std::uint32_t scope_id() const noexcept { return scope_id_; }
    std::string to_string() const;

    friend bool operator==(const ip_address&, const ip_address&) noexcept = default;
    friend std::strong_ordering operator<=>(const ip_address&, const ip_address&) noexcept = default;

private:
    std::int32_t family_ = AF_INET;
    std::array<std::uint8_t, 16> bytes_{};  // v4 uses the first 4
    std::uint32_t scope_id_ = 0;
};

class socket_address {
public:
    socket_address() noexcept = default;
    socket_address(ip_address ip, std::uint16_t port) noexcept : ip_(ip), port_(port) {}
    // "127.0.0.1:8080", "[::1]:8080", "[fe80::1%2]:80". Throws address_error.
    static socket_address parse(std::string_view text);
    // From a kernel address (AF_INET or AF_INET6). Throws address_error for other families.
    static socket_address from_sockaddr(const sockaddr* sa, socklen_t len);

    const ip_address& ip() const noexcept { return ip_; }
    std::uint16_t port() const noexcept { return port_; }
    int family() const noexcept { return ip_.family(); }
    std::string to_string() const;
    // Fills storage; returns the length to pass to bind/connect/sendto.
    socklen_t to_sockaddr(sockaddr_storage& storage) const noexcept;

    friend bool operator==(const socket_address&, const socket_address&) noexcept = default;
    friend std::strong_ordering operator<=>(const socket_address&, const socket_address&) noexcept = default;

private:
    ip_address ip_;
    std::uint16_t port_ = 0;
};

}  // namespace weft::net

template <>
struct std::hash<weft::net::ip_address> {
    std::size_t operator()(const weft::net::ip_address& a) const noexcept;
};
template <>
struct std::hash<weft::net::socket_address> {
    std::size_t operator()(const weft::net::socket_address& a) const noexcept;
};
