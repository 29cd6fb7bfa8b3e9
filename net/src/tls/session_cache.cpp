// session_cache.cpp — the client's last session per server (context_impl.hpp).
#include "context_impl.hpp"

namespace weft::net::detail {

tls_session_cache::~tls_session_cache() { clear(); }

void tls_session_cache::store(const std::string& key, SSL_SESSION* s) {
    SSL_SESSION* old = nullptr;
    {
        std::lock_guard g(lock_);
        auto it = sessions_.find(key);
        if (it != sessions_.end()) {
            old = it->second;
            it->second = s;
        } else {
            if (sessions_.size() >= max_entries) {
                auto victim = sessions_.begin();
                old = victim->second;
                sessions_.erase(victim);
            }
            sessions_.emplace(key, s);
        }
    }
    if (old) SSL_SESSION_free(old);
}

SSL_SESSION* tls_session_cache::find(const std::string& key) {
    std::lock_guard g(lock_);
    auto it = sessions_.find(key);
    if (it == sessions_.end()) return nullptr;
    SSL_SESSION_up_ref(it->second);
    return it->second;
}

void tls_session_cache::clear() {
    std::unordered_map<std::string, SSL_SESSION*> drop;
    {
        std::lock_guard g(lock_);
        drop.swap(sessions_);
    }
    for (auto& [key, s] : drop) SSL_SESSION_free(s);
}

}  // namespace weft::net::detail
