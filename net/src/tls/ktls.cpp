// ktls.cpp — can the kernel take TLS records over (kTLS)? Probed once per process.
//
// OpenSSL enables kTLS (SSL_OP_ENABLE_KTLS) by setting the "tls" upper-layer protocol on the
// TCP socket when the handshake's keys are ready, and silently stays in user space when the
// kernel refuses. weft needs to know beforehand: kTLS only works when OpenSSL calls the
// socket itself, so the engine runs the handshake over a socket BIO only when the kernel
// may accept, and over its own buffers otherwise (engine.cpp).
//
// The kernel lists its loaded ULPs in /proc/sys/net/ipv4/tcp_available_ulp. If "tls" is
// missing it may still be a module that loads on first use, so the probe sets TCP_ULP "tls"
// on a connected loopback socket (which loads it, given CAP_NET_ADMIN). When that fails,
// one log line (level info: on most kernels without root it is the normal case) says why
// and TLS stays in user space.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

#include "engine_impl.hpp"
#include <weft/internal/log.hpp>

#ifndef TCP_ULP
#define TCP_ULP 31
#endif

namespace weft::net::detail {

namespace {

std::string available_ulps() {
    std::ifstream f("/proc/sys/net/ipv4/tcp_available_ulp");
    std::string s;
    std::getline(f, s);
    return s;
}

// Sets TCP_ULP "tls" on a connected loopback TCP socket; 0 or the errno.
int try_tls_ulp() {
    int err = 0;
    int l = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int c = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (l < 0 || c < 0 || ::bind(l, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0 || ::listen(l, 1) < 0 ||
        ::getsockname(l, reinterpret_cast<sockaddr*>(&a), &len) < 0 ||
        ::connect(c, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0 ||
        ::setsockopt(c, SOL_TCP, TCP_ULP, "tls", sizeof "tls") < 0)
        err = errno;
    if (c >= 0) ::close(c);
    if (l >= 0) ::close(l);
    return err;
}

bool probe() {
    std::string ulps = available_ulps();
    if (ulps.find("tls") != std::string::npos) return true;
    int err = try_tls_ulp();
    if (err == 0) return true;
    weft::detail::log().info(
        "TLS: kernel TLS unavailable (tcp_available_ulp: '{}'; TCP_ULP \"tls\": {}): TLS runs in user space", ulps,
        std::strerror(err));
    return false;
}

}  // namespace

bool kernel_tls_available() {
    static const bool available = probe();
    return available;
}

}  // namespace weft::net::detail
