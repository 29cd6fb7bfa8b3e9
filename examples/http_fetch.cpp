// http_fetch.cpp — docs/http.md's client: a GET, a POST, a body read in pieces, and what
// an error says.   http_fetch http://127.0.0.1:8080/
#include <fmt/core.h>

#include <string>

#include <weft/http/client.hpp>
#include <weft/runtime.hpp>

weft::task<int> fetch(std::string url) {
    weft::http::client http;               // async with aiohttp.ClientSession() as http:
    auto r = co_await http.get(url);       //     async with http.get(url) as r:
    std::string body = co_await r.text();  //         body = await r.text()
    fmt::print("{} {} ({} bytes)\n", r.status(), r.header("content-type").value_or("?"), body.size());

    weft::http::request_options post;  //     await http.post(url + "upload", data="ping")
    post.body = "ping";
    auto p = co_await http.request("POST", url + "upload", post);
    fmt::print("POST: {} {}\n", p.status(), co_await p.text());

    auto s = co_await http.get(url + "countdown");  //     async for chunk in r.content.iter_any():
    while (true) {
        auto chunk = co_await s.read_chunk();
        if (chunk.empty()) break;
        fmt::print("chunk of {} bytes\n", chunk.size());
    }

    try {
        co_await http.get("http://127.0.0.1:9/");  // nothing listens there
    } catch (const weft::http::client_error& e) {  // aiohttp.ClientConnectorError
        fmt::print("{}\n", e.what());              // GET http://127.0.0.1:9/: connect: Connection refused
    }
    co_return 0;
}

int main(int argc, char** argv) {
    try {
        return weft::run(fetch(argc > 1 ? argv[1] : "http://127.0.0.1:8080/"));
    } catch (const weft::config_error& e) {  // a bad WEFT_* variable or $WEFT_CONFIG file
        fmt::print(stderr, "http_fetch: {}\n", e.what());
        return 2;
    } catch (const std::exception& e) {  // the first GET failed: client_error names the URL
        fmt::print(stderr, "http_fetch: {}\n", e.what());
        return 1;
    }
}
