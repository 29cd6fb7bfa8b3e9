// tls_client — fetch one page over HTTPS with a verifying TLS client: the system's trust
// store plus, with --ca-file, a private CA. Prints the connection's facts, then the response.
// (A sketch of the HTTP exchange: weft's HTTP client will speak HTTPS itself.)
//
//   tls_client --host example.test --port 8443 --connect 127.0.0.1 --ca-file ca.pem
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <string>

#include <weft/net/tcp.hpp>
#include <weft/net/tls_stream.hpp>
#include <weft/runtime.hpp>

namespace {

// Connects to `address` (default: the host itself) and verifies the certificate against
// `host`, like curl's --resolve.
weft::task<int> fetch(weft::net::tls_context ctx, std::string host, std::uint16_t port, std::string address,
                      std::string path) {
    weft::net::tcp_stream tcp = co_await weft::net::tcp_stream::connect(address.empty() ? host : address, port);
    auto tls = weft::net::tls_stream<weft::net::tcp_stream>::client(std::move(tcp), ctx, host);
    co_await tls.handshake(std::chrono::seconds(10));
    fmt::print("{} {} alpn '{}'\n", tls.protocol_version(), tls.cipher(), tls.alpn());
    if (auto cert = tls.peer_certificate()) fmt::print("certificate {} from {}\n", cert->subject, cert->issuer);

    std::string request = fmt::format("GET {} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", path, host);
    co_await tls.write_all(weft::as_bytes(request));
    std::string response;
    std::array<std::byte, 16384> buf;
    bool truncated = false;
    try {
        while (std::size_t n = co_await tls.read_some(buf)) response.append(reinterpret_cast<char*>(buf.data()), n);
    } catch (const weft::net::tls_truncated_error&) {
        truncated = true;  // many servers close without close_notify after Connection: close
    }
    fmt::print("{}{}", response, truncated ? "\n(the server closed without close_notify)\n" : "");
    co_return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"fetch a page over HTTPS with weft's TLS client", "tls_client"};
    std::string host, address, ca_file, path = "/";
    int port = 443;
    app.add_option("--host", host, "Server name: sent as SNI and verified")->required();
    app.add_option("--port", port, "Port")->check(CLI::Range(1, 65535))->capture_default_str();
    app.add_option("--connect", address, "Address to connect to instead of the host's");
    app.add_option("--ca-file", ca_file, "Also trust this CA (PEM), e.g. a private one");
    app.add_option("--path", path, "Path to GET")->capture_default_str();
    CLI11_PARSE(app, argc, argv);
    try {
        auto ctx = weft::net::tls_context::client();          // the system trust store, verification on
        if (!ca_file.empty()) ctx.load_verify_file(ca_file);  // and a private CA
        ctx.set_alpn({"http/1.1"});
        weft::runtime rt;
        return rt.block_on(fetch(ctx, host, static_cast<std::uint16_t>(port), address, path));
    } catch (const std::exception& e) {
        fmt::print(stderr, "tls_client: {}\n", e.what());
        return 1;
    }
}
