// bio.cpp — the custom BIO between OpenSSL and an engine's buffers (engine_impl.hpp).
//
// Why a custom BIO rather than OpenSSL's memory BIOs (docs/tls.md has the figures): with
// BIO_s_mem, ciphertext is copied three times on the way in (kernel -> our buffer -> the
// BIO's buffer -> OpenSSL's record buffer) and twice on the way out; here the transport
// receives straight into the engine's input buffer, which OpenSSL reads from, and OpenSSL's
// records are appended to the output queue the transport sends from: one copy fewer each
// way, no BUF_MEM growth, and EOF is ours to signal.
//
// Reads return what the input buffer holds and ask to be retried when it is empty (the
// engine then reports want_input), or report EOF once the transport has ended. Writes always
// succeed: the output queue grows, and the engine bounds it by encrypting at most
// max_write_chunk bytes before the template sends them. All calls run under the engine lock.
#include <openssl/bio.h>

#include <cstring>

#include "engine_impl.hpp"

namespace weft::net::detail {

namespace {

tls_engine::impl* engine(BIO* b) noexcept { return static_cast<tls_engine::impl*>(BIO_get_data(b)); }

int bio_read(BIO* b, char* out, std::size_t len, std::size_t* done) {
    BIO_clear_retry_flags(b);
    tls_engine::impl* e = engine(b);
    std::size_t avail = e->in_end - e->in_start;
    if (avail == 0) {
        *done = 0;
        if (!e->in_eof) BIO_set_retry_read(b);
        return 0;
    }
    std::size_t n = len < avail ? len : avail;
    std::memcpy(out, e->in.get() + e->in_start, n);
    e->in_start += n;
    *done = n;
    return 1;
}

int bio_write(BIO* b, const char* data, std::size_t len, std::size_t* done) {
    BIO_clear_retry_flags(b);
    auto* p = reinterpret_cast<const std::byte*>(data);
    std::vector<std::byte>& out = engine(b)->pending;
    if (out.capacity() == 0) out.reserve(4096);  // a handshake flight fits: no regrowth
    out.insert(out.end(), p, p + len);
    *done = len;
    return 1;
}

long bio_ctrl(BIO* b, int cmd, long, void*) {
    tls_engine::impl* e = engine(b);
    switch (cmd) {
        case BIO_CTRL_FLUSH:
            return 1;  // the template sends the output queue after each call
        case BIO_CTRL_EOF:
            return e->in_eof && e->in_start == e->in_end ? 1 : 0;
        case BIO_CTRL_PENDING:
            return static_cast<long>(e->in_end - e->in_start);
        case BIO_CTRL_WPENDING:
            return static_cast<long>(e->pending.size());
        default:
            return 0;  // not a socket: no kTLS, no peeking, no duplication
    }
}

int bio_create(BIO* b) {
    BIO_set_init(b, 1);
    return 1;
}

int bio_destroy(BIO* b) {
    BIO_set_data(b, nullptr);
    return 1;
}

BIO_METHOD* buffer_bio_method() {
    // Made once and never freed (OpenSSL keeps a pointer from every BIO made from it).
    static BIO_METHOD* const method = [] {
        BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "weft buffers");
        if (!m) throw std::bad_alloc();
        BIO_meth_set_read_ex(m, bio_read);
        BIO_meth_set_write_ex(m, bio_write);
        BIO_meth_set_ctrl(m, bio_ctrl);
        BIO_meth_set_create(m, bio_create);
        BIO_meth_set_destroy(m, bio_destroy);
        return m;
    }();
    return method;
}

}  // namespace

BIO* make_buffer_bio(tls_engine::impl* e) {
    BIO* b = BIO_new(buffer_bio_method());
    if (!b) throw std::bad_alloc();
    BIO_set_data(b, e);
    return b;
}

}  // namespace weft::net::detail
