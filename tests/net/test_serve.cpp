// serve(): shutdown with connections open (stop accepting, let them finish; cancel after
// the grace period), the accept loop under a low RLIMIT_NOFILE, and the echo_server
// example started as a process and driven over loopback. Both drivers.
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <weft/net/serve.hpp>
#include <weft/sleep.hpp>

#include "../io/io_test_support.hpp"

namespace {

using namespace std::chrono_literals;
using weft::task;
using weft::net::socket_address;
using weft::net::tcp_listener;
using weft::net::tcp_stream;

const char* echo_server_path = nullptr;  // argv[1], set by meson

class serve_test : public weft::test::io_test {};
WEFT_IO_TEST_SUITE(serve_test);

task<void> echo(tcp_stream s) {
    std::array<std::byte, 4096> buf;
    while (std::size_t n = co_await s.read_some(buf)) co_await s.write_all(std::span(buf.data(), n));
}

task<std::string> round_trip(tcp_stream& c, std::string msg) {
    co_await c.write_all(weft::as_bytes(msg));
    std::string back(msg.size(), '\0');
    co_await c.read_exact(std::span(reinterpret_cast<std::byte*>(back.data()), back.size()));
    co_return back;
}

TEST_P(serve_test, stopping_closes_the_listener_and_lets_connections_finish) {
    weft::runtime rt(config(2));
    auto run = []() -> task<void> {
        auto l = tcp_listener::bind(socket_address::parse("127.0.0.1:0"));
        const auto addr = l.local_address();
        auto server = weft::spawn(weft::net::serve(l, echo));
        std::vector<tcp_stream> clients;
        for (int i = 0; i < 3; ++i) clients.push_back(co_await tcp_stream::connect(addr));
        for (auto& c : clients) EXPECT_EQ(co_await round_trip(c, "before"), "before");
        server.cancel();
        co_await weft::sleep_for(20ms);
        EXPECT_FALSE(server.is_finished());                                    // the connections are still open
        EXPECT_THROW(co_await tcp_stream::connect(addr), weft::system_error);  // not accepting
        for (auto& c : clients) EXPECT_EQ(co_await round_trip(c, "during"), "during");
        for (auto& c : clients) c.close();
        EXPECT_THROW(co_await server, weft::cancelled_error);
    };
    rt.block_on(run());
}

TEST_P(serve_test, connections_still_open_after_the_grace_period_are_cancelled) {
    weft::runtime rt(config(2));
    auto run = []() -> task<void> {
        auto l = tcp_listener::bind(socket_address::parse("127.0.0.1:0"));
        weft::net::serve_options opts;
        opts.grace_period = 30ms;
        auto server = weft::spawn(weft::net::serve(l, echo, opts));
        tcp_stream c = co_await tcp_stream::connect(l.local_address());
        EXPECT_EQ(co_await round_trip(c, "x"), "x");
        server.cancel();
        EXPECT_THROW(co_await server, weft::cancelled_error);
        std::array<std::byte, 8> buf;
        EXPECT_EQ(co_await c.read_some(buf), 0u);  // the server side was cancelled and closed
    };
    rt.block_on(run());
}

TEST_P(serve_test, accept_keeps_serving_when_descriptors_run_out) {
#ifdef WEFT_UBSAN
    GTEST_SKIP() << "UBSan's vptr check needs a free descriptor (it probes memory through a pipe): "
                    "this test runs in the plain and TSan builds";
#endif
    weft::runtime rt(config(2));
    auto run = []() -> task<void> {
        auto l = tcp_listener::bind(socket_address::parse("127.0.0.1:0"));
        const auto addr = l.local_address();
        // The clients' sockets exist before the limit is lowered.
        std::vector<int> raw;
        for (int i = 0; i < 20; ++i) raw.push_back(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        rlimit old;
        ::getrlimit(RLIMIT_NOFILE, &old);
        rlimit low = old;
        low.rlim_cur = static_cast<rlim_t>(weft::test::open_fds() + 4);
        ::setrlimit(RLIMIT_NOFILE, &low);
        std::atomic<int> served{0};
        auto counting = [&served](tcp_stream s) -> task<void> {
            ++served;
            co_await echo(std::move(s));
        };
        auto server = weft::spawn(weft::net::serve(l, counting));
        sockaddr_storage st;
        socklen_t len = addr.to_sockaddr(st);
        for (int fd : raw) EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&st), len), 0);
        // A few are accepted, then accept fails with EMFILE; the server backs off.
        for (int i = 0; i < 200 && served < 2; ++i) co_await weft::sleep_for(5ms);
        co_await weft::sleep_for(50ms);
        EXPECT_LT(served.load(), 20);
        // Free descriptors: the clients close (their server sides end), and the rest is served.
        for (int fd : raw) ::close(fd);
        ::setrlimit(RLIMIT_NOFILE, &old);
        for (int i = 0; i < 400 && served < 20; ++i) co_await weft::sleep_for(5ms);
        EXPECT_EQ(served.load(), 20);
        // And it still serves new connections.
        tcp_stream c = co_await tcp_stream::connect(addr);
        EXPECT_EQ(co_await round_trip(c, "alive"), "alive");
        c.close();
        server.cancel();
        EXPECT_THROW(co_await server, weft::cancelled_error);
    };
    rt.block_on(run());
}

TEST(echo_server_process, serves_over_loopback_and_exits_0_on_sigterm) {
    if (!echo_server_path) GTEST_SKIP() << "examples not built";
    for (const char* driver : {"epoll", "io_uring"}) {
        int out[2];
        ASSERT_EQ(::pipe(out), 0);
        pid_t pid = ::fork();
        if (pid == 0) {
            ::dup2(out[1], 1);
            ::execl(echo_server_path, echo_server_path, "--port", "0", "--threads", "2", "--driver", driver, nullptr);
            ::_exit(127);
        }
        ::close(out[1]);
        std::string line;
        char ch;
        while (::read(out[0], &ch, 1) == 1 && ch != '\n') line += ch;
        ASSERT_EQ(line.rfind("listening on 127.0.0.1:", 0), 0u) << line;
        auto addr = socket_address::parse(line.substr(std::string("listening on ").size()));
        weft::runtime rt(weft::runtime_config{.workers = 1});
        auto client = [](socket_address a) -> task<void> {
            std::vector<tcp_stream> conns;
            for (int i = 0; i < 50; ++i) conns.push_back(co_await tcp_stream::connect(a));
            for (int round = 0; round < 10; ++round)
                for (auto& c : conns)
                    EXPECT_EQ(co_await round_trip(c, "r" + std::to_string(round)), "r" + std::to_string(round));
        };
        rt.block_on(client(addr));
        ::kill(pid, SIGTERM);
        int status = 0;
        ASSERT_EQ(::waitpid(pid, &status, 0), pid);
        EXPECT_TRUE(WIFEXITED(status)) << status;
        EXPECT_EQ(WEXITSTATUS(status), 0) << driver;
        ::close(out[0]);
    }
}

}  // namespace

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    if (argc > 1) echo_server_path = argv[1];
    return RUN_ALL_TESTS();
}
