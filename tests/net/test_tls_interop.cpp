// Interop with other TLS implementations over loopback, under both drivers: our client
// against `openssl s_server` (TLS 1.3 and 1.2, ALPN) and nginx (HTTPS, session resumption);
// our server against `openssl s_client` and `curl --cacert`. The programs are installed by
// scripts/setup.sh; a test skips itself (saying so) when one is missing.
#include <weft/net/buffered_reader.hpp>
#include <weft/spawn_blocking.hpp>

#include "child_process.hpp"
#include "tls_test_support.hpp"

namespace {

// The examples (passed by meson when they are built).
const char* tls_echo_server_path = nullptr;
const char* tls_client_path = nullptr;

using namespace std::chrono_literals;
using weft::task;
using weft::net::tls_context;
using weft::test::child_process;
using weft::test::read_text;
using weft::test::tls_tcp;

class tls_interop : public weft::test::io_test {};
WEFT_IO_TEST_SUITE(tls_interop);

// The shared test CA and the server identity as files.
struct pki_files {
    weft::test::temp_dir dir;
    std::string cert = dir.write("cert.pem", weft::test::server_identity().certificate_pem);
    std::string key = dir.write("key.pem", weft::test::server_identity().private_key_pem);
    std::string ca = dir.write("ca.pem", weft::test::shared_ca().certificate_pem());
    std::string out = dir.path() + "/out.txt";
    std::string err = dir.path() + "/err.txt";
};

// Polls a file until it contains `what` (or the limit passes); returns its text.
std::string wait_for_text(const std::string& path, const std::string& what, std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    std::string s;
    while (std::chrono::steady_clock::now() < deadline) {
        s = read_text(path);
        if (s.find(what) != std::string::npos) break;
        std::this_thread::sleep_for(10ms);
    }
    return s;
}

TEST_P(tls_interop, client_against_openssl_s_server) {
    if (!weft::test::have_program("openssl")) GTEST_SKIP() << "openssl is not installed (scripts/setup.sh)";
    pki_files f;
    for (std::string version : {"-tls1_3", "-tls1_2"}) {
        child_process server({"openssl", "s_server", "-accept", "127.0.0.1:0", "-naccept", "1", "-cert", f.cert, "-key",
                              f.key, "-rev", "-alpn", "h2,http/1.1", version},
                             f.out, f.err);
        std::string out = wait_for_text(f.out, "ACCEPT 127.0.0.1:", 5s);
        auto pos = out.find("ACCEPT 127.0.0.1:");
        ASSERT_NE(pos, std::string::npos) << out << read_text(f.err);
        auto port = static_cast<std::uint16_t>(std::stoi(out.substr(pos + 17)));
        weft::runtime rt(config(2));
        auto run = [](std::uint16_t port, std::string version) -> task<void> {
            auto ctx = weft::test::client_context();
            ctx.set_alpn({"http/1.1"});
            tls_tcp s = co_await weft::test::connect_tls({weft::net::ip_address::parse("127.0.0.1"), port}, ctx,
                                                         "example.test");
            EXPECT_EQ(s.alpn(), "http/1.1");
            EXPECT_EQ(s.protocol_version(), version == "-tls1_3" ? "TLSv1.3" : "TLSv1.2");
            co_await s.write_all(weft::as_bytes("hello weft\n"));
            weft::net::buffered_reader<tls_tcp> reader(s);
            EXPECT_EQ(co_await reader.read_line(), "tfew olleh\n");  // -rev: each line reversed
            co_await s.shutdown();
        };
        rt.block_on(run(port, version));
        EXPECT_EQ(server.wait(5s), 0) << read_text(f.err);
    }
}

// Accepts n connections; each echoes lines until the peer leaves (with or without
// close_notify: peer programs differ).
task<void> echo_server(weft::net::tcp_listener* l, tls_context ctx, int n) {
    for (int i = 0; i < n; ++i) {
        weft::net::tcp_stream conn = co_await l->accept();
        tls_tcp s = tls_tcp::server(std::move(conn), ctx);
        try {
            co_await s.handshake(10s);
            std::array<std::byte, 4096> buf;
            while (std::size_t k = co_await s.read_some(buf)) co_await s.write_all(std::span(buf.data(), k));
            co_await s.shutdown();
        } catch (const weft::net::tls_error&) {
        } catch (const weft::system_error&) {
        }
    }
}

struct run_result {
    int rc;
    std::string out, err;
};

TEST_P(tls_interop, server_against_openssl_s_client) {
    if (!weft::test::have_program("openssl")) GTEST_SKIP() << "openssl is not installed (scripts/setup.sh)";
    pki_files f;
    weft::runtime rt(config(2));
    auto run = [](pki_files* f) -> task<run_result> {
        auto l = weft::net::tcp_listener::bind(weft::test::loopback());
        auto sctx = weft::test::server_context();
        sctx.set_alpn({"h2", "http/1.1"});
        auto server = weft::spawn(echo_server(&l, sctx, 1));
        std::string port = std::to_string(l.local_address().port());
        auto client = [f, port] {
            child_process c({"openssl", "s_client", "-connect", "127.0.0.1:" + port, "-CAfile", f->ca, "-servername",
                             "example.test", "-verify_return_error", "-brief", "-no_ign_eof", "-alpn", "http/1.1"},
                            f->out, f->err, true);
            c.write_stdin("ping from s_client\n");
            wait_for_text(f->out, "ping from s_client", 5s);
            c.close_stdin();
            int rc = c.wait(10s);
            return run_result{rc, read_text(f->out), read_text(f->err)};
        };
        run_result r = co_await weft::spawn_blocking(client);
        co_await server;
        co_return r;
    };
    run_result r = rt.block_on(run(&f));
    EXPECT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.out.find("ping from s_client"), std::string::npos) << r.out;
    EXPECT_NE(r.err.find("Verification: OK"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("Protocol version: TLSv1.3"), std::string::npos) << r.err;
}

// A minimal HTTPS responder: one request per connection.
task<void> hello_server(weft::net::tcp_listener* l, tls_context ctx, int n) {
    for (int i = 0; i < n; ++i) {
        weft::net::tcp_stream conn = co_await l->accept();
        tls_tcp s = tls_tcp::server(std::move(conn), ctx);
        try {
            co_await s.handshake(10s);
            weft::net::buffered_reader<tls_tcp> reader(s);
            std::string head = co_await reader.read_until("\r\n\r\n");
            EXPECT_EQ(head.rfind("GET /hello HTTP/1.1\r\n", 0), 0u) << head;
            co_await s.write_all(weft::as_bytes(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\nConnection: close\r\n\r\n"
                "Hello, World!"));
            co_await s.shutdown();
        } catch (const weft::net::tls_error&) {
            // curl without our CA gives up during the handshake
        } catch (const weft::system_error&) {
            // curl may close before our close_notify arrives (a reset: EPIPE, ENOTCONN)
        }
    }
}

TEST_P(tls_interop, server_against_curl) {
    if (!weft::test::have_program("curl")) GTEST_SKIP() << "curl is not installed (scripts/setup.sh)";
    pki_files f;
    weft::runtime rt(config(2));
    auto run = [](pki_files* f) -> task<std::pair<run_result, run_result>> {
        auto l = weft::net::tcp_listener::bind(weft::test::loopback());
        auto sctx = weft::test::server_context();
        sctx.set_alpn({"http/1.1"});
        auto server = weft::spawn(hello_server(&l, sctx, 2));
        std::string port = std::to_string(l.local_address().port());
        auto curl = [f, port](bool with_ca) {
            std::vector<std::string> args = {"curl",
                                             "-sS",
                                             "--max-time",
                                             "10",
                                             "--resolve",
                                             "example.test:" + port + ":127.0.0.1",
                                             "https://example.test:" + port + "/hello"};
            if (with_ca) args.insert(args.begin() + 1, {"--cacert", f->ca});
            child_process c(args, f->out, f->err);
            int rc = c.wait(15s);
            return run_result{rc, read_text(f->out), read_text(f->err)};
        };
        auto trusted = [curl] { return curl(true); };
        auto untrusted = [curl] { return curl(false); };
        run_result a = co_await weft::spawn_blocking(trusted);
        run_result b = co_await weft::spawn_blocking(untrusted);
        co_await server;
        co_return std::pair{a, b};
    };
    auto [ok, refused] = rt.block_on(run(&f));
    EXPECT_EQ(ok.rc, 0) << ok.err;
    EXPECT_EQ(ok.out, "Hello, World!");
    EXPECT_EQ(refused.rc, 60) << refused.err;  // curl: the peer's certificate cannot be verified
}

TEST_P(tls_interop, client_against_nginx) {
    if (!weft::test::have_program("nginx")) GTEST_SKIP() << "nginx is not installed (scripts/setup.sh)";
    pki_files f;
    std::uint16_t port = weft::test::free_port();
    std::string conf = f.dir.write(
        "nginx.conf", "daemon off;\nmaster_process off;\nworker_processes 1;\npid " + f.dir.path() +
                          "/nginx.pid;\nerror_log stderr warn;\nevents { worker_connections 64; }\nhttp {\n"
                          "  access_log off;\n  client_body_temp_path " +
                          f.dir.path() + ";\n  proxy_temp_path " + f.dir.path() + ";\n  fastcgi_temp_path " +
                          f.dir.path() + ";\n  uwsgi_temp_path " + f.dir.path() + ";\n  scgi_temp_path " +
                          f.dir.path() + ";\n  server {\n    listen 127.0.0.1:" + std::to_string(port) +
                          " ssl;\n    ssl_certificate " + f.cert + ";\n    ssl_certificate_key " + f.key +
                          ";\n    ssl_session_cache shared:weft:1m;\n    ssl_session_tickets on;\n    location / { "
                          "return 200 \"hello from nginx\\n\"; }\n  }\n}\n");
    child_process nginx({"nginx", "-e", "stderr", "-p", f.dir.path(), "-c", conf}, f.out, f.err);
    ASSERT_TRUE(weft::test::wait_for_port(port, 5s)) << read_text(f.err);
    weft::runtime rt(config(2));
    auto get = [](std::uint16_t port, tls_context ctx) -> task<std::pair<std::string, bool>> {
        tls_tcp s =
            co_await weft::test::connect_tls({weft::net::ip_address::parse("127.0.0.1"), port}, ctx, "example.test");
        co_await s.write_all(weft::as_bytes("GET / HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n"));
        std::string response;
        std::array<std::byte, 4096> buf;
        while (std::size_t n = co_await s.read_some(buf)) response += weft::test::text(std::span(buf.data(), n));
        co_return std::pair{response, s.session_reused()};
    };
    auto ctx = weft::test::client_context();  // one context: one session cache
    auto [first, reused1] = rt.block_on(get(port, ctx));
    auto [second, reused2] = rt.block_on(get(port, ctx));
    EXPECT_EQ(first.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << first;
    EXPECT_NE(first.find("\r\n\r\nhello from nginx\n"), std::string::npos) << first;
    EXPECT_NE(second.find("hello from nginx"), std::string::npos);
    EXPECT_FALSE(reused1);
    EXPECT_TRUE(reused2);  // nginx's session ticket, offered again by our client cache
    EXPECT_EQ(nginx.terminate(), 0) << read_text(f.err);
}

// examples/tls_echo_server and examples/tls_client, as programs: the server announces its
// port, serves both modes under both drivers, and exits 0 on SIGTERM.
TEST(tls_examples, echo_server_and_client_programs) {
    if (!tls_echo_server_path || !tls_client_path) GTEST_SKIP() << "examples not built";
    pki_files f;
    for (std::string driver : {"epoll", "io_uring"}) {
        for (std::string mode : {"http", "echo"}) {
            child_process server({tls_echo_server_path, "--port", "0", "--threads", "2", "--driver", driver, "--cert",
                                  f.cert, "--key", f.key, "--mode", mode},
                                 f.out, f.err);
            std::string line = wait_for_text(f.out, "\n", 5s);
            ASSERT_EQ(line.rfind("listening on 127.0.0.1:", 0), 0u) << line << read_text(f.err);
            auto port = static_cast<std::uint16_t>(std::stoi(line.substr(23)));
            if (mode == "http") {
                std::string out = f.dir.path() + "/client.out", err = f.dir.path() + "/client.err";
                child_process client({tls_client_path, "--host", "example.test", "--port", std::to_string(port),
                                      "--connect", "127.0.0.1", "--ca-file", f.ca},
                                     out, err);
                EXPECT_EQ(client.wait(15s), 0) << read_text(err);
                std::string text = read_text(out);
                EXPECT_EQ(text.rfind("TLSv1.3 ", 0), 0u) << text;
                EXPECT_NE(text.find("certificate CN=example.test,O=weft tests from CN=weft test CA"), std::string::npos)
                    << text;
                EXPECT_NE(text.find("HTTP/1.1 200 OK\r\n"), std::string::npos) << text;
                EXPECT_NE(text.find("\r\n\r\nHello, World!"), std::string::npos) << text;
            } else {
                weft::runtime rt(weft::runtime_config{.workers = 1});
                auto run = [](std::uint16_t port) -> task<bool> {
                    tls_tcp s = co_await weft::test::connect_tls({weft::net::ip_address::parse("127.0.0.1"), port},
                                                                 weft::test::client_context(), "example.test");
                    co_return co_await weft::test::exchange_tls(s, 1 << 20, 5);
                };
                EXPECT_TRUE(rt.block_on(run(port)));
            }
            EXPECT_EQ(server.terminate(), 0) << driver << " " << mode << ": " << read_text(f.err);
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    if (argc > 2) {
        tls_echo_server_path = argv[1];
        tls_client_path = argv[2];
    }
    return RUN_ALL_TESTS();
}
