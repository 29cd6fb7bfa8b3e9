// weft/net/resolve.hpp — asynchronous name resolution: asyncio's loop.getaddrinfo().
//
// Numeric addresses ("127.0.0.1", "::1") resolve at once. Names go to the system resolver
// (getaddrinfo, on the runtime's blocking pool), so /etc/hosts, nsswitch and the search
// domains behave exactly as for every other program on the machine — which c-ares would
// not give us. Cancellation (and so weft::timeout) is prompt: a cancelled lookup resumes
// its task at once and the pool thread drops the answer when it comes.
//
//   auto addrs = co_await weft::net::resolve("localhost", 8080);
//   auto addrs = co_await weft::timeout(2s, weft::net::resolve("example.com", "https"));
//
// Failures throw weft::net::resolve_error naming the host ("resolve nosuch.invalid:80: Name
// or service not known").
//
// Thread safety: any number of lookups may run at once from any worker of a runtime with
// I/O (the blocking pool bounds how many threads they use: io_config::blocking_threads).
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <vector>

#include <weft/net/address.hpp>
#include <weft/task.hpp>

namespace weft::net {

class resolve_error : public weft::error {
public:
    resolve_error(const std::string& what, int gai_code) : weft::error(what), code_(gai_code) {}
    // The getaddrinfo error (EAI_*).
    int gai_code() const noexcept { return code_; }

private:
    int code_;
};

// family: AF_UNSPEC (both, in the resolver's order), AF_INET or AF_INET6.
task<std::vector<socket_address>> resolve(std::string host, std::string service, int family = AF_UNSPEC);
task<std::vector<socket_address>> resolve(std::string host, std::uint16_t port, int family = AF_UNSPEC);

}  // namespace weft::net
