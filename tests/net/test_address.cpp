// Addresses: parsing and formatting of good and bad inputs, ordering, hashing, sockaddr
// round trips.
#include <gtest/gtest.h>

#include <netinet/in.h>

#include <unordered_set>

#include <weft/net/address.hpp>

namespace {

using weft::net::address_error;
using weft::net::ip_address;
using weft::net::socket_address;

TEST(address, parses_and_formats_ipv4_and_ipv6) {
    EXPECT_EQ(ip_address::parse("127.0.0.1").to_string(), "127.0.0.1");
    EXPECT_TRUE(ip_address::parse("127.0.0.1").is_loopback());
    EXPECT_EQ(ip_address::parse("::1"), ip_address::v6_loopback());
    EXPECT_EQ(ip_address::parse("2001:DB8:0:0::1").to_string(), "2001:db8::1");
    EXPECT_EQ(ip_address::parse("fe80::1%3").scope_id(), 3u);
    EXPECT_EQ(ip_address::parse("fe80::1%3").to_string(), "fe80::1%3");
    EXPECT_TRUE(ip_address::parse("0.0.0.0").is_unspecified());
    EXPECT_TRUE(ip_address::parse("::").is_unspecified());

    auto a = socket_address::parse("127.0.0.1:8080");
    EXPECT_EQ(a.port(), 8080);
    EXPECT_EQ(a.to_string(), "127.0.0.1:8080");
    auto b = socket_address::parse("[::1]:443");
    EXPECT_TRUE(b.ip().is_v6());
    EXPECT_EQ(b.to_string(), "[::1]:443");
    EXPECT_EQ(socket_address::parse("[fe80::1%2]:80").ip().scope_id(), 2u);
    EXPECT_EQ(socket_address::parse("0.0.0.0:0").port(), 0);
    EXPECT_EQ(socket_address::parse("1.2.3.4:65535").port(), 65535);
}

TEST(address, bad_strings_are_clear_errors) {
    for (const char* bad : {"", "1.2.3", "1.2.3.256", "localhost", "::g", "1.2.3.4 ", "fe80::1%", "fe80::1%nosuchif0"})
        EXPECT_THROW(ip_address::parse(bad), address_error) << bad;
    for (const char* bad : {"127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:8o", "::1:80",
                            "[::1]", "[::1]80", "[::1:80", "[127.0.0.1]:80x", "host:80", ":80"})
        EXPECT_THROW(socket_address::parse(bad), address_error) << bad;
    try {
        socket_address::parse("127.0.0.1:99999");
    } catch (const address_error& e) {
        EXPECT_NE(std::string(e.what()).find("127.0.0.1:99999"), std::string::npos) << e.what();
    }
}

TEST(address, compares_hashes_and_round_trips_through_sockaddr) {
    auto a = socket_address::parse("10.0.0.1:1");
    auto b = socket_address::parse("10.0.0.1:2");
    auto c = socket_address::parse("[::1]:1");
    EXPECT_LT(a, b);
    EXPECT_NE(a, c);
    std::unordered_set<socket_address> set{a, b, c, socket_address::parse("10.0.0.1:1")};
    EXPECT_EQ(set.size(), 3u);
    for (const auto& s : {a, c, socket_address::parse("[fe80::1%2]:8")}) {
        sockaddr_storage st;
        socklen_t len = s.to_sockaddr(st);
        EXPECT_EQ(socket_address::from_sockaddr(reinterpret_cast<sockaddr*>(&st), len), s);
    }
    sockaddr sa{};
    sa.sa_family = AF_UNIX;
    EXPECT_THROW(socket_address::from_sockaddr(&sa, sizeof sa), address_error);
}

}  // namespace
