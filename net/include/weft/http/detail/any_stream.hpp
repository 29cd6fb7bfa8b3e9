// weft/http/detail/any_stream.hpp — any_stream: a stream behind one small interface, so that
// the HTTP client (and its connection pool) handles every transport alike: a tcp_stream
// for http://, a tls_stream<tcp_stream> for https:// (the client's connector picks one).
// Users do not include this.
//
// It costs a virtual call and a coroutine frame per read and write, which the client can
// afford (the server, where every request counts, is a template over its stream instead).
//
// Thread safety: as the stream it holds (one reader and one writer at a time).
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <type_traits>
#include <utility>

#include <weft/net/stream.hpp>
#include <weft/task.hpp>

namespace weft::http::detail {

class any_stream {
public:
    any_stream() noexcept = default;
    template <class Stream>
    requires(!std::is_same_v<std::decay_t<Stream>, any_stream>) explicit any_stream(Stream s)
        : p_(std::make_unique<model<Stream>>(std::move(s))) {}

    task<std::size_t> read_some(std::span<std::byte> buf) { return p_->read_some(buf); }
    task<void> write_all(std::span<const std::byte> buf) { return p_->write_all(buf); }
    void close() noexcept {
        if (p_) p_->close();
    }
    // TLS: close_notify first if the socket takes it at once (never waits); then close().
    void close_gracefully() noexcept {
        if (p_) p_->close_gracefully();
    }
    explicit operator bool() const noexcept { return p_ != nullptr; }

private:
    struct iface {
        virtual ~iface() = default;
        virtual task<std::size_t> read_some(std::span<std::byte> buf) = 0;
        virtual task<void> write_all(std::span<const std::byte> buf) = 0;
        virtual void close() noexcept = 0;
        virtual void close_gracefully() noexcept = 0;
    };
    template <class Stream>
    struct model final : iface {
        explicit model(Stream st) : s(std::move(st)) {}
        task<std::size_t> read_some(std::span<std::byte> buf) override { co_return co_await s.read_some(buf); }
        task<void> write_all(std::span<const std::byte> buf) override {
            if constexpr (std::is_same_v<decltype(s.write_all(buf)), task<void>>)
                return s.write_all(buf);
            else
                return write_all_of(s, buf);
        }
        void close() noexcept override { s.close(); }
        void close_gracefully() noexcept override {
            if constexpr (requires { s.close_notify_and_close(); })
                s.close_notify_and_close();
            else
                s.close();
        }
        static task<void> write_all_of(Stream& st, std::span<const std::byte> buf) { co_await st.write_all(buf); }
        Stream s;
    };
    std::unique_ptr<iface> p_;
};

}  // namespace weft::http::detail
