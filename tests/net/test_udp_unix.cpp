// UDP and Unix domain sockets under both drivers: datagram round trips (IPv4, IPv6,
// connected), Unix stream listener/connect, socketpairs, Unix datagrams, abstract names.
#include <unistd.h>

#include <weft/net/udp.hpp>
#include <weft/net/unix.hpp>

#include "../io/io_test_support.hpp"

namespace {

using weft::task;
using weft::net::socket_address;

class dgram : public weft::test::io_test {};
WEFT_IO_TEST_SUITE(dgram);

std::string text(std::span<const std::byte> b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

TEST_P(dgram, udp_round_trips) {
    weft::runtime rt(config(2));
    auto run = []() -> task<void> {
        for (const char* ip : {"127.0.0.1", "::1"}) {
            auto server = weft::net::udp_socket::bind({weft::net::ip_address::parse(ip), 0});
            auto client = weft::net::udp_socket::bind({weft::net::ip_address::parse(ip), 0});
            auto echo = [](weft::net::udp_socket* s) -> task<void> {
                std::array<std::byte, 1500> buf;
                for (int i = 0; i < 100; ++i) {
                    auto [n, from] = co_await s->recv_from(buf);
                    co_await s->send_to(std::span(buf.data(), n), from);
                }
            };
            auto e = weft::spawn(echo(&server));
            std::array<std::byte, 1500> buf;
            for (int i = 0; i < 100; ++i) {
                std::string msg = "datagram " + std::to_string(i);
                EXPECT_EQ(co_await client.send_to(weft::as_bytes(msg), server.local_address()), msg.size());
                auto [n, from] = co_await client.recv_from(buf);
                EXPECT_EQ(from, server.local_address());
                EXPECT_EQ(text(std::span(buf.data(), n)), msg);
            }
            co_await e;
        }
        // Connected: send/recv.
        auto a = weft::net::udp_socket::bind(socket_address::parse("127.0.0.1:0"));
        auto b = weft::net::udp_socket::bind(socket_address::parse("127.0.0.1:0"));
        a.connect(b.local_address());
        b.connect(a.local_address());
        co_await a.send(weft::as_bytes("hi"));
        std::array<std::byte, 16> buf;
        EXPECT_EQ(text(std::span(buf.data(), co_await b.recv(buf))), "hi");
    };
    rt.block_on(run());
}

TEST_P(dgram, unix_streams_and_datagrams) {
    weft::runtime rt(config(2));
    auto run = []() -> task<void> {
        std::string path = "/tmp/weft-test-" + std::to_string(::getpid()) + ".sock";
        for (std::string p : {path, "@weft-test-abstract-" + std::to_string(::getpid())}) {
            auto l = weft::net::unix_listener::bind(p);
            auto accepting = weft::spawn(l.accept());
            auto c = co_await weft::net::unix_stream::connect(p);
            auto s = co_await accepting;
            co_await c.write_all(weft::as_bytes("over unix"));
            std::array<std::byte, 9> buf;
            co_await s.read_exact(buf);
            EXPECT_EQ(text(buf), "over unix");
        }
        EXPECT_NE(::access(path.c_str(), F_OK), 0);  // the listener removed its file
        auto [x, y] = weft::net::unix_stream::pair();
        co_await x.write_all(weft::as_bytes("pair"));
        std::array<std::byte, 4> four;
        co_await y.read_exact(four);
        EXPECT_EQ(text(four), "pair");

        std::string dpath = path + ".dgram";
        auto server = weft::net::unix_datagram::bind(dpath);
        auto client = weft::net::unix_datagram::bind(dpath + ".client");
        co_await client.send_to(weft::as_bytes("ping"), dpath);
        std::array<std::byte, 64> buf;
        auto [n, from] = co_await server.recv_from(buf);
        EXPECT_EQ(text(std::span(buf.data(), n)), "ping");
        EXPECT_EQ(from, dpath + ".client");
        co_await server.send_to(weft::as_bytes("pong"), from);
        auto [m, from2] = co_await client.recv_from(buf);
        EXPECT_EQ(text(std::span(buf.data(), m)), "pong");
        EXPECT_EQ(from2, dpath);
        EXPECT_THROW(co_await weft::net::unix_stream::connect(path + ".missing"), weft::system_error);
        EXPECT_THROW(weft::net::unix_listener::bind(std::string(200, 'x')), weft::error);
    };
    rt.block_on(run());
}

// Listeners and datagram sockets own their socket file: a move hands it over, a move
// assignment over a bound socket removes the old file, close() and destruction remove theirs.
TEST_P(dgram, bound_unix_sockets_own_their_file) {
    weft::runtime rt(config(1));
    auto run = []() -> task<void> {
        const std::string base = "/tmp/weft-test-own-" + std::to_string(::getpid());
        auto exists = [](const std::string& p) { return ::access(p.c_str(), F_OK) == 0; };
        {
            auto a = weft::net::unix_listener::bind(base + ".a");
            auto b = weft::net::unix_listener::bind(base + ".b");
            weft::net::unix_listener moved(std::move(a));
            EXPECT_EQ(moved.path(), base + ".a");
            EXPECT_TRUE(a.path().empty());
            a.close();  // the moved-from one holds nothing: the file stays
            EXPECT_TRUE(exists(base + ".a"));
            b = std::move(moved);  // b's own file goes, it takes over .a
            EXPECT_FALSE(exists(base + ".b"));
            EXPECT_EQ(b.path(), base + ".a");
            auto c = co_await weft::net::unix_stream::connect(base + ".a");
            EXPECT_TRUE(c.is_open());
        }
        EXPECT_FALSE(exists(base + ".a"));  // destroyed with b
        auto d = weft::net::unix_datagram::bind(base + ".d");
        weft::net::unix_datagram e;
        e = std::move(d);
        EXPECT_TRUE(exists(base + ".d"));
        e.close();
        EXPECT_FALSE(exists(base + ".d"));
        co_return;
    };
    rt.block_on(run());
}

}  // namespace
