// http_hello.cpp — docs/http.md's server: a router, a text, a path parameter, a body read,
// a streamed response; served on 127.0.0.1:PORT (default 8080) until SIGINT/SIGTERM.
#include <fmt/core.h>

#include <csignal>
#include <cstdio>
#include <string>

#include <weft/http/router.hpp>
#include <weft/http/server.hpp>
#include <weft/runtime.hpp>
#include <weft/signal.hpp>

using weft::http::request;
using weft::http::response;

weft::task<response> hello(request&) {          // async def hello(request):
    co_return response::text("Hello, World!");  //     return web.Response(text="Hello, World!")
}

weft::task<response> greet(request& req) {  // request.match_info["name"]
    co_return response::text("Hello, " + std::string(req.param("name")) + "!");
}

weft::task<response> upload(request& req) {  // async def upload(request):
    std::string body = co_await req.text();  //     body = await request.text()
    co_return response::json("{\"bytes\": " + std::to_string(body.size()) + "}");
}

weft::task<response> countdown(request&) {  // web.StreamResponse: prepare(), write()
    co_return response::stream(
        [](weft::http::body_writer& out) -> weft::task<void> {
            for (int i = 3; i > 0; --i) co_await out.write(std::to_string(i) + "\n");
            co_await out.write("liftoff\n");
        },
        "text/plain");
}

weft::task<int> serve(std::uint16_t port) {
    weft::http::router app;  // app = web.Application()
    app.get("/", hello);     // app.router.add_get("/", hello)
    app.get("/hello/{name}", greet);
    app.post("/upload", upload);
    app.get("/countdown", countdown);

    auto stop = weft::signal(SIGINT, SIGTERM);
    auto listener = weft::net::tcp_listener::bind({weft::net::ip_address::parse("127.0.0.1"), port});
    weft::http::server server(std::move(app));
    auto running = weft::spawn(server.serve(listener));  // web.run_app(app, port=port)
    fmt::print("listening on {}\n", listener.local_address().to_string());
    std::fflush(stdout);
    co_await stop;
    running.cancel();  // stop accepting; requests in flight finish
    try {
        co_await running;
    } catch (const weft::cancelled_error&) {
    }
    co_return 0;
}

int main(int argc, char** argv) {
    const auto port = static_cast<std::uint16_t>(argc > 1 ? std::stoi(argv[1]) : 8080);
    try {
        return weft::run(serve(port));
    } catch (const weft::config_error& e) {  // a bad WEFT_* variable or $WEFT_CONFIG file
        fmt::print(stderr, "http_hello: {}\n", e.what());
        return 2;
    } catch (const std::exception& e) {  // a bad port, a port in use
        fmt::print(stderr, "http_hello: {}\n", e.what());
        return 1;
    }
}
