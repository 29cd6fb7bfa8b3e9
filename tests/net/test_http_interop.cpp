// test_http_interop.cpp — weft's server and client against programs written by others:
// curl and Python's http.client as clients, Python's http.server as a server, wrk for a
// smoke load. A test whose program is not installed is skipped (scripts/setup.sh installs
// curl, python3 and wrk).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "http_test_support.hpp"

namespace weft::test {
namespace {

class http_interop : public io_test {};
WEFT_IO_TEST_SUITE(http_interop);

bool have(const char* program) {
    return std::system((std::string("command -v ") + program + " >/dev/null 2>&1").c_str()) == 0;
}

// Runs a shell command; its standard output (stderr goes to the test log).
std::string run(const std::string& cmd) {
    std::string out;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return out;
    char buf[4096];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    ::pclose(p);
    return out;
}

// A weft server on 127.0.0.1 for the life of the object, on its own runtime's workers.
class running_server {
public:
    running_server(runtime& rt, http::handler h, http::server_options opts = {}) : rt_(rt) {
        auto start = [](running_server* self, http::handler handler, http::server_options o) -> task<void> {
            self->listener_ = net::tcp_listener::bind(net::socket_address::parse("127.0.0.1:0"));
            self->port = self->listener_.local_address().port();
            self->server_ = std::make_unique<http::server>(std::move(handler), std::move(o));
            self->running_ = weft::spawn(self->server_->serve(self->listener_));
            co_return;
        };
        rt_.block_on(start(this, std::move(h), std::move(opts)));
    }
    ~running_server() {
        auto stop = [](join_handle<void>* h) -> task<void> {
            h->cancel();
            try {
                co_await *h;
            } catch (const cancelled_error&) {
            }
        };
        rt_.block_on(stop(&running_));
    }
    http::server& server() { return *server_; }
    std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port) + path; }
    std::uint16_t port = 0;

private:
    runtime& rt_;
    net::tcp_listener listener_;
    std::unique_ptr<http::server> server_;
    join_handle<void> running_;
};

struct temp_file {
    std::string path;
    std::vector<std::byte> data;
    temp_file(std::size_t size, std::uint32_t seed) : data(random_bytes(size, seed)) {
        char name[] = "/tmp/weft-http-interop-XXXXXX";
        int fd = ::mkstemp(name);
        path = name;
        ::close(fd);
        std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(data.data()), data.size());
    }
    ~temp_file() { std::remove(path.c_str()); }
};

TEST_P(http_interop, curl_talks_to_the_server) {
    if (!have("curl")) GTEST_SKIP() << "curl is not installed";
    runtime rt(config(2));
    http::server_options o;
    o.limits.max_body_bytes = 8 << 20;
    running_server s(rt, echo_handler, o);
    std::string got = run("curl -sS -i " + s.url("/hello?x=1"));
    EXPECT_TRUE(got.starts_with("HTTP/1.1 200 OK\r\n")) << got;
    EXPECT_TRUE(got.ends_with("GET /hello x=1 0 " + std::to_string(checksum({})))) << got;
    temp_file f(3 << 20, 5);  // > 1 MiB: curl sends Expect: 100-continue
    const std::string sum = std::to_string(f.data.size()) + " " + std::to_string(checksum(f.data));
    EXPECT_EQ(run("curl -sS --data-binary @" + f.path + " " + s.url("/up")), "POST /up  " + sum);
    EXPECT_EQ(run("curl -sS -H 'Transfer-Encoding: chunked' --data-binary @" + f.path + " " + s.url("/chunked")),
              "POST /chunked  " + sum);
    std::string head = run("curl -sS -I " + s.url("/"));
    const std::string would_be = "HEAD /  0 " + std::to_string(checksum({}));
    EXPECT_NE(head.find("Content-Length: " + std::to_string(would_be.size()) + "\r\n"), std::string::npos) << head;
    EXPECT_TRUE(head.ends_with("\r\n\r\n")) << head;  // and no body
    EXPECT_EQ(run("curl -sS --http1.0 " + s.url("/old")), "GET /old  0 " + std::to_string(checksum({})));
    // Several URLs on one command line: curl reuses its connection.
    const auto before = s.server().connections_opened();
    run("curl -sS " + s.url("/1") + " " + s.url("/2") + " " + s.url("/3"));
    EXPECT_EQ(s.server().connections_opened() - before, 1u);
}

TEST_P(http_interop, python_http_client_talks_to_the_server) {
    if (!have("python3")) GTEST_SKIP() << "python3 is not installed";
    runtime rt(config(2));
    running_server s(rt, echo_handler);
    const std::string script =
        "import http.client, sys\n"
        "c = http.client.HTTPConnection('127.0.0.1', " +
        std::to_string(s.port) +
        ")\n"
        "for path in ('/a', '/b?q=2'):\n"
        "    c.request('GET', path)\n"
        "    r = c.getresponse()\n"
        "    print(r.status, r.read().decode())\n"
        "c.request('POST', '/chunks', body=iter([b'ab', b'cde']), encode_chunked=True)\n"
        "r = c.getresponse()\n"
        "print(r.status, r.read().decode())\n";
    std::ofstream("/tmp/weft-http-client.py") << script;
    std::string got = run("python3 /tmp/weft-http-client.py");
    std::remove("/tmp/weft-http-client.py");
    EXPECT_EQ(got, "200 GET /a  0 " + std::to_string(checksum({})) + "\n" + "200 GET /b q=2 0 " +
                       std::to_string(checksum({})) + "\n" + "200 POST /chunks  5 " +
                       std::to_string(checksum(weft::as_bytes("abcde"))) + "\n");
    EXPECT_EQ(s.server().connections_opened(), 1u);  // keep-alive across the three
}

TEST_P(http_interop, client_talks_to_python_http_server) {
    if (!have("python3")) GTEST_SKIP() << "python3 is not installed";
    temp_file f(1 << 20, 9);
    const std::string dir = f.path.substr(0, f.path.rfind('/'));
    const std::string name = f.path.substr(f.path.rfind('/') + 1);
    // python3 -m http.server, on a port it picks and prints.
    int out[2];
    ASSERT_EQ(::pipe(out), 0);
    pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(out[1], 1);
        ::close(out[0]);
        if (int devnull = ::open("/dev/null", O_WRONLY); devnull >= 0) ::dup2(devnull, 2);  // its request log
        const char* code =
            "import http.server, functools, sys\n"
            "h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])\n"
            "s = http.server.ThreadingHTTPServer(('127.0.0.1', 0), h)\n"
            "print(s.server_address[1], flush=True)\n"
            "s.serve_forever()\n";
        ::execlp("python3", "python3", "-c", code, dir.c_str(), nullptr);
        ::_exit(127);
    }
    ::close(out[1]);
    std::string line;  // the port, then a newline (the pipe stays open until the end)
    char c = 0;
    while (line.size() < 16 && ::read(out[0], &c, 1) == 1 && c != '\n') line += c;
    const int port = std::atoi(line.c_str());
    ASSERT_GT(port, 0) << line;
    runtime rt(config(2));
    auto body = [](int p, std::string file, const std::vector<std::byte>* want) -> task<void> {
        http::client c;
        const std::string base = "http://127.0.0.1:" + std::to_string(p) + "/";
        auto r = co_await c.get(base + file);
        EXPECT_EQ(r.status(), 200u);
        auto got = co_await r.body();
        EXPECT_EQ(got.size(), want->size());
        EXPECT_EQ(checksum(got), checksum(*want));
        auto missing = co_await c.get(base + "no-such-file");
        EXPECT_EQ(missing.status(), 404u);
        co_await missing.discard();
    };
    rt.block_on(body(port, name, &f.data));
    ::kill(pid, SIGTERM);
    ::waitpid(pid, nullptr, 0);
    ::close(out[0]);
}

TEST_P(http_interop, wrk_smoke_load) {
    if (!have("wrk")) GTEST_SKIP() << "wrk is not installed";
    runtime rt(config(2));
    running_server s(rt, hello_handler);
    std::string got = run("wrk -t1 -c20 -d1s " + s.url("/") + " 2>&1");
    EXPECT_NE(got.find(" requests in "), std::string::npos) << got;
    EXPECT_EQ(got.find("Socket errors"), std::string::npos) << got;
    EXPECT_EQ(got.find("Non-2xx"), std::string::npos) << got;
    EXPECT_GE(s.server().connections_opened(), 20u);
}

}  // namespace
}  // namespace weft::test
