// crawler — fetches every URL given, at most N at once, with one shared HTTP client (a
// connection pool per host), and prints one line per URL in the order given:
//   URL STATUS BYTES MS        or        URL error: MESSAGE
// then a summary. Exits 0 when every fetch got a response below 400, 1 otherwise.
//
//   crawler --concurrency 64 --timeout-ms 2000 http://127.0.0.1:8080/a http://127.0.0.1:8080/b
//   crawler --ca-file private-ca.pem https://internal.test:8443/   (HTTPS: the system trust
//                                                                 store, and a private CA)
//
// asyncio + aiohttp, for comparison (the README shows both):
//   async def fetch(session, sem, url):
//       async with sem, session.get(url) as r:
//           return url, r.status, len(await r.read())
//   async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as s:
//       sem = asyncio.Semaphore(64)
//       results = await asyncio.gather(*(fetch(s, sem, u) for u in urls), return_exceptions=True)
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <chrono>
#include <string>
#include <vector>

#include <weft/http/client.hpp>
#include <weft/runtime.hpp>
#include <weft/semaphore.hpp>
#include <weft/task_group.hpp>

namespace {

struct outcome {
    std::string line;
    bool ok = false;
    std::size_t bytes = 0;
};

// One URL: wait for a slot, fetch, read the body, describe.
weft::task<void> fetch(weft::http::client* http, weft::semaphore* slots, std::string url, outcome* out) {
    auto slot = co_await slots->scoped_acquire();
    const auto start = std::chrono::steady_clock::now();
    try {
        auto r = co_await http->get(url);
        std::string body = co_await r.text();
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
        out->line = fmt::format("{} {} {} {}", url, r.status(), body.size(), ms.count());
        out->ok = r.status() < 400;
        out->bytes = body.size();
    } catch (const weft::http::client_error& e) {
        out->line = fmt::format("{} error: {}", url, e.reason());
    }
}

weft::task<int> crawl(std::vector<std::string> urls, std::size_t concurrency, int timeout_ms, std::string ca_file) {
    weft::http::client_options opts;
    opts.ca_file = std::move(ca_file);  // https://: trusted besides the system store
    opts.total_timeout = std::chrono::milliseconds(timeout_ms);
    opts.max_connections_per_host = concurrency;
    weft::http::client http(opts);
    weft::semaphore slots(concurrency);
    std::vector<outcome> results(urls.size());
    const auto start = std::chrono::steady_clock::now();
    {
        weft::task_group group;  // asyncio.gather
        for (std::size_t i = 0; i < urls.size(); ++i) (void)group.spawn(fetch(&http, &slots, urls[i], &results[i]));
        co_await group.join();  // fetch() reports its failures itself: join never throws here
    }
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    std::size_t failed = 0, bytes = 0;
    for (const outcome& r : results) {
        fmt::print("{}\n", r.line);
        failed += r.ok ? 0 : 1;
        bytes += r.bytes;
    }
    fmt::print("{} URLs, {} ok, {} failed, {} bytes in {} ms ({} connections)\n", urls.size(), urls.size() - failed,
               failed, bytes, ms.count(), http.connections_opened());
    co_return failed == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Fetches URLs concurrently and reports each (the asyncio crawler, in weft)", "crawler"};
    std::size_t concurrency = 16;
    int timeout_ms = 10'000;
    std::vector<std::string> urls;
    std::string ca_file;
    app.add_option("--concurrency", concurrency, "Fetches in flight at most")
        ->check(CLI::Range(1, 100000))
        ->capture_default_str();
    app.add_option("--timeout-ms", timeout_ms, "Time limit of each fetch, connecting included")
        ->check(CLI::Range(1, 86'400'000))
        ->capture_default_str();
    app.add_option("--ca-file", ca_file, "https://: also trust this CA certificate (PEM), e.g. a private CA");
    app.add_option("url", urls, "http:// or https:// URLs")->required();
    CLI11_PARSE(app, argc, argv);
    try {
        return weft::run(crawl(std::move(urls), concurrency, timeout_ms, std::move(ca_file)));
    } catch (const weft::config_error& e) {  // a bad WEFT_* variable or $WEFT_CONFIG file
        fmt::print(stderr, "crawler: {}\n", e.what());
        return 2;
    } catch (const std::exception& e) {
        fmt::print(stderr, "crawler: {}\n", e.what());
        return 1;
    }
}
