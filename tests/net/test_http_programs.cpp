// test_http_programs.cpp — the programs: examples/http_server keeps the W8 contract of
// bench-protocol.md (`listening on HOST:PORT` once ready, GET / -> 200 text/plain
// "Hello, World!", SIGINT/SIGTERM -> exit 0, under both drivers), and examples/crawler
// prints one line per URL in input order, a summary, and exits 0 only if all succeeded;
// docs/http.md's two programs (examples/http_hello, examples/http_fetch) work together.
// examples/crawler fetches https:// URLs from examples/tls_echo_server (--mode http) with
// --ca-file, and names the verification failure without it.
// http_server --metrics-port serves /metrics (parsed by prometheus_client's parser, as a
// scrape would) and /tasks (text and JSON) from a second listener, under both drivers.
// The program paths come from meson (argv[1..5]); argv[6..7]: the python3 that has
// prometheus_client and tests/obs/check_prometheus.py.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <weft/http/client.hpp>
#include <weft/net/tcp.hpp>
#include <weft/runtime.hpp>

#include "../process_support.hpp"
#include "tls_test_certs.hpp"

namespace weft::test {
namespace {

const char* http_server_path = nullptr;
const char* crawler_path = nullptr;
const char* hello_path = nullptr;
const char* fetch_path = nullptr;
const char* tls_server_path = nullptr;
const char* python_path = nullptr;
const char* prometheus_checker = nullptr;

struct child {
    pid_t pid = -1;
    int out = -1;
};

child start(std::vector<std::string> args) {
    int p[2];
    if (::pipe(p) != 0) return {};
    pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(p[1], 1);
        ::close(p[0]);
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    ::close(p[1]);
    return {pid, p[0]};
}

std::string read_line(int fd) {
    std::string line;
    char ch;
    while (::read(fd, &ch, 1) == 1 && ch != '\n') line += ch;
    return line;
}

std::string read_all(int fd) {
    std::string s;
    char buf[4096];
    while (true) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        s.append(buf, static_cast<std::size_t>(n));
    }
    return s;
}

int wait_exit(pid_t pid) {
    int status = 0;
    if (::waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
    return WEXITSTATUS(status);
}

TEST(http_programs, http_server_keeps_the_w8_contract) {
    if (!http_server_path) GTEST_SKIP() << "examples not built";
    for (const char* driver : {"epoll", "io_uring"}) {
        for (int sig : {SIGINT, SIGTERM}) {
            child c = start({http_server_path, "--port", "0", "--threads", "2", "--driver", driver});
            ASSERT_GT(c.pid, 0);
            const std::string line = read_line(c.out);
            ASSERT_EQ(line.rfind("listening on 127.0.0.1:", 0), 0u) << line;
            const std::string url = "http://" + line.substr(std::string("listening on ").size()) + "/";
            runtime rt(runtime_config{.workers = 1});
            auto fetch = [](std::string u) -> task<void> {
                http::client client;
                for (int i = 0; i < 3; ++i) {
                    auto r = co_await client.get(u);
                    EXPECT_EQ(r.status(), 200u);
                    EXPECT_EQ(r.header("content-type").value_or(""), "text/plain");
                    EXPECT_EQ(co_await r.text(), "Hello, World!");
                }
                EXPECT_EQ(client.connections_opened(), 1u);  // keep-alive
            };
            rt.block_on(fetch(url));
            ::kill(c.pid, sig);
            EXPECT_EQ(wait_exit(c.pid), 0) << driver << " signal " << sig;
            ::close(c.out);
        }
    }
}

// One GET of url: status, content type and body.
struct fetched {
    unsigned status = 0;
    std::string type, body;
};
fetched get(const std::string& url) {
    runtime rt(runtime_config{.workers = 1});
    auto fetch = [](std::string u) -> task<fetched> {
        http::client client;
        auto r = co_await client.get(u);
        fetched f{r.status(), std::string(r.header("content-type").value_or("")), {}};
        f.body = co_await r.text();
        co_return f;
    };
    return rt.block_on(fetch(url));
}

TEST(http_programs, http_server_serves_metrics_and_tasks_on_a_second_port) {
    if (!http_server_path) GTEST_SKIP() << "examples not built";
    for (const char* driver : {"epoll", "io_uring"}) {
        child c = start({http_server_path, "--port", "0", "--metrics-port", "0", "--threads", "2", "--driver", driver});
        ASSERT_GT(c.pid, 0);
        struct reaper {  // a failed assertion or a throw must not leave the server running
            child& c;
            ~reaper() {
                if (c.pid > 0) {
                    ::kill(c.pid, SIGKILL);
                    wait_exit(c.pid);
                }
                if (c.out >= 0) ::close(c.out);
            }
        } reap{c};
        const std::string mline = read_line(c.out);
        ASSERT_EQ(mline.rfind("metrics on 127.0.0.1:", 0), 0u) << mline;
        const std::string line = read_line(c.out);
        ASSERT_EQ(line.rfind("listening on 127.0.0.1:", 0), 0u) << line;
        const std::string metrics = "http://" + mline.substr(std::string("metrics on ").size());
        const std::string app = "http://" + line.substr(std::string("listening on ").size()) + "/";
        EXPECT_NE(metrics, app);
        EXPECT_EQ(get(app).body, "Hello, World!");  // the application port still answers

        const fetched m = get(metrics + "/metrics");
        EXPECT_EQ(m.status, 200u);
        EXPECT_EQ(m.type.rfind("text/plain; version=0.0.4", 0), 0u) << m.type;
        EXPECT_NE(m.body.find("weft_tasks_polled_total{worker=\"1\"}"), std::string::npos) << m.body;
        if (python_path && prometheus_checker) {
            const std::string path = ::testing::TempDir() + "weft_http_server_metrics_" + driver + ".prom";
            std::ofstream(path) << m.body;
            const std::string cmd = std::string(python_path) + " " + prometheus_checker + " " + path +
                                    " weft_tasks_polled weft_poll_duration_seconds weft_live_tasks weft_open_fds";
            EXPECT_EQ(std::system(cmd.c_str()), 0) << m.body;
        }

        const fetched t = get(metrics + "/tasks");
        EXPECT_EQ(t.status, 200u);
        EXPECT_EQ(t.body.rfind("weft task dump:", 0), 0u) << t.body;
        EXPECT_NE(t.body.find("\"metrics listener\""), std::string::npos) << t.body;
        const fetched j = get(metrics + "/tasks?format=json");
        EXPECT_EQ(j.status, 200u);
        EXPECT_EQ(j.type.rfind("application/json", 0), 0u) << j.type;
        EXPECT_EQ(j.body.rfind("{", 0), 0u) << j.body;
        EXPECT_NE(j.body.find("\"name\":\"metrics listener\""), std::string::npos) << j.body;
        EXPECT_EQ(get(metrics + "/nothing").status, 404u);

        ::kill(c.pid, SIGTERM);
        EXPECT_EQ(wait_exit(c.pid), 0) << driver;
        c.pid = -1;
    }
}

TEST(http_programs, crawler_reports_each_url_in_order) {
    if (!http_server_path || !crawler_path) GTEST_SKIP() << "examples not built";
    child server = start({http_server_path, "--port", "0", "--threads", "1"});
    ASSERT_GT(server.pid, 0);
    const std::string line = read_line(server.out);
    ASSERT_EQ(line.rfind("listening on 127.0.0.1:", 0), 0u) << line;
    const std::string base = "http://" + line.substr(std::string("listening on ").size());
    std::uint16_t closed_port;
    {
        runtime rt(runtime_config{.workers = 1});
        auto pick = []() -> task<std::uint16_t> {
            auto l = net::tcp_listener::bind(net::socket_address::parse("127.0.0.1:0"));
            co_return l.local_address().port();  // closed when l goes
        };
        closed_port = rt.block_on(pick());
    }
    const std::string refused = "http://127.0.0.1:" + std::to_string(closed_port) + "/";

    child ok = start({crawler_path, "--concurrency", "2", base + "/a", base + "/b", base + "/c"});
    const std::string good = read_all(ok.out);
    EXPECT_EQ(wait_exit(ok.pid), 0) << good;
    ::close(ok.out);
    child mixed = start({crawler_path, "--timeout-ms", "2000", base + "/1", refused, "ftp://x:21/", base + "/2"});
    const std::string out = read_all(mixed.out);
    EXPECT_EQ(wait_exit(mixed.pid), 1) << out;
    ::close(mixed.out);
    std::vector<std::string> lines;
    for (std::size_t i = 0; i < out.size();) {
        std::size_t e = out.find('\n', i);
        lines.push_back(out.substr(i, e - i));
        i = e + 1;
    }
    ASSERT_EQ(lines.size(), 5u) << out;
    EXPECT_EQ(lines[0].rfind(base + "/1 200 13 ", 0), 0u) << lines[0];
    EXPECT_EQ(lines[1], refused + " error: connect: Connection refused");
    EXPECT_EQ(lines[2], "ftp://x:21/ error: unsupported scheme 'ftp'");
    EXPECT_EQ(lines[3].rfind(base + "/2 200 13 ", 0), 0u) << lines[3];
    EXPECT_EQ(lines[4].rfind("4 URLs, 2 ok, 2 failed, 26 bytes in ", 0), 0u) << lines[4];
    ::kill(server.pid, SIGTERM);
    EXPECT_EQ(wait_exit(server.pid), 0);
    ::close(server.out);
}

TEST(http_programs, crawler_fetches_https_with_a_private_ca) {
    if (!crawler_path || !tls_server_path) GTEST_SKIP() << "examples not built";
    test_ca ca;
    temp_dir dir;
    const tls_identity id = ca.issue({.dns_names = {"localhost"}});
    const std::string ca_file = dir.write("ca.pem", ca.certificate_pem());
    const std::string cert = dir.write("cert.pem", id.certificate_pem);
    const std::string key = dir.write("key.pem", id.private_key_pem);
    child server =
        start({tls_server_path, "--port", "0", "--threads", "1", "--mode", "http", "--cert", cert, "--key", key});
    ASSERT_GT(server.pid, 0);
    const std::string line = read_line(server.out);
    ASSERT_EQ(line.rfind("listening on 127.0.0.1:", 0), 0u) << line;
    const std::string port = line.substr(line.rfind(':') + 1);
    const std::string by_name = "https://localhost:" + port + "/", by_ip = "https://127.0.0.1:" + port + "/bytes/100";

    child ok = start({crawler_path, "--ca-file", ca_file, by_name, by_ip});
    const std::string good = read_all(ok.out);
    EXPECT_EQ(wait_exit(ok.pid), 0) << good;
    ::close(ok.out);
    EXPECT_EQ(good.rfind(by_name + " 200 13 ", 0), 0u) << good;
    EXPECT_NE(good.find("\n" + by_ip + " 200 100 "), std::string::npos) << good;

    child untrusted = start({crawler_path, by_name});  // the system store alone
    const std::string bad = read_all(untrusted.out);
    EXPECT_EQ(wait_exit(untrusted.pid), 1) << bad;
    ::close(untrusted.out);
    EXPECT_EQ(bad.rfind(by_name + " error: TLS handshake with localhost: certificate verify failed: unable to get "
                                  "local issuer certificate",
                        0),
              0u)
        << bad;
    ::kill(server.pid, SIGTERM);
    EXPECT_EQ(wait_exit(server.pid), 0);
    ::close(server.out);
}

TEST(http_programs, http_server_names_a_cipher_it_cannot_use) {
    if (!http_server_path) GTEST_SKIP() << "examples not built";
    test_ca ca;
    temp_dir dir;
    const tls_identity id = ca.issue({.dns_names = {"localhost"}});
    const std::string cert = dir.write("cert.pem", id.certificate_pem);
    const std::string key = dir.write("key.pem", id.private_key_pem);
    auto r = run_process({http_server_path, "--port", "0", "--cert", cert, "--key", key, "--ciphers", "NO-SUCH-CIPHER"},
                         {}, std::chrono::seconds(30));
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("cipher list 'NO-SUCH-CIPHER' selects no cipher"), std::string::npos) << r.output;
    auto r2 = run_process(
        {http_server_path, "--port", "0", "--cert", cert, "--key", key, "--ciphersuites", "TLS_NO_SUCH_SUITE"}, {},
        std::chrono::seconds(30));
    EXPECT_EQ(r2.exit_code, 1) << r2.output;
    EXPECT_NE(r2.output.find("TLS 1.3 ciphersuites 'TLS_NO_SUCH_SUITE' rejected"), std::string::npos) << r2.output;
    auto r3 = run_process({http_server_path, "--port", "0", "--ciphers", "ECDHE+AESGCM"}, {}, std::chrono::seconds(30));
    EXPECT_NE(r3.exit_code, 0) << r3.output;  // --ciphers needs --cert
}

TEST(http_programs, crawler_prints_a_bad_configuration) {
    if (!crawler_path) GTEST_SKIP() << "examples not built";
    auto r = run_process({crawler_path, "http://127.0.0.1:9/"}, {{"WEFT_WORKERS", "abc"}}, std::chrono::seconds(30));
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("WEFT_WORKERS"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("terminate called"), std::string::npos) << r.output;
}

TEST(http_programs, the_docs_client_fetches_from_the_docs_server) {
    if (!hello_path || !fetch_path) GTEST_SKIP() << "examples not built";
    child server = start({hello_path, "0"});
    ASSERT_GT(server.pid, 0);
    const std::string line = read_line(server.out);
    ASSERT_EQ(line.rfind("listening on 127.0.0.1:", 0), 0u) << line;
    const std::string base = "http://" + line.substr(std::string("listening on ").size()) + "/";
    auto r = run_process({fetch_path, base}, {}, std::chrono::seconds(30));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    // Its first line (a debug build's log lines, e.g. a stall warning, may come first).
    const bool first =
        r.output.rfind("200 text/plain", 0) == 0 || r.output.find("\n200 text/plain") != std::string::npos;
    EXPECT_TRUE(first) << r.output;
    EXPECT_NE(r.output.find("(13 bytes)"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("POST: 200 {\"bytes\": 4}"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("chunk of"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("GET http://127.0.0.1:9/: connect: Connection refused"), std::string::npos) << r.output;
    ::kill(server.pid, SIGINT);
    EXPECT_EQ(wait_exit(server.pid), 0);
    ::close(server.out);
}

}  // namespace
}  // namespace weft::test

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    if (argc > 4) {
        weft::test::http_server_path = argv[1];
        weft::test::crawler_path = argv[2];
        weft::test::hello_path = argv[3];
        weft::test::fetch_path = argv[4];
    }
    if (argc > 5) {
        weft::test::tls_server_path = argv[5];
    }
    if (argc > 7) {
        weft::test::python_path = argv[6];
        weft::test::prometheus_checker = argv[7];
    }
    return RUN_ALL_TESTS();
}
