// weft/http/headers.hpp — header fields: header_view (a field of a received request, viewing
// the connection's bytes) and headers (an owned, ordered list: what a response or a client
// request carries, and what a client response keeps).
//
//   weft::http::headers h{{"Accept", "text/plain"}};
//   h.add("X-Trace", "1");
//   h.set("Accept", "*/*");                      // replaces every Accept
//   if (auto v = h.get("accept")) use(*v);       // names compare case-insensitively
//
// add() and set() check what they are given, so that nothing can split a message: a name
// must be a token (RFC 9110 5.1) and a value must not hold CR, LF or NUL; header_error
// otherwise. Cancellation: nothing here waits.
// Thread safety: a headers object is not shared between tasks unless const.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace weft::http {

// ASCII case-insensitive equality (field names, methods, schemes).
bool iequals(std::string_view a, std::string_view b) noexcept;

// A field of a received message; valid while the message is (see request.hpp).
struct header_view {
    // The field's name, as sent.
    std::string_view name;
    // The field's value, without surrounding whitespace.
    std::string_view value;
};

// An ordered list of header fields (name, value); names compare case-insensitively.
class headers {
public:
    // One field, as stored.
    struct field {
        // The field's name, as given.
        std::string name;
        // The field's value.
        std::string value;
    };

    headers() noexcept = default;
    // The fields of init, in order; throws header_error for an invalid name or value.
    headers(std::initializer_list<std::pair<std::string_view, std::string_view>> init);

    // Appends a field (several fields may share a name). Throws header_error.
    void add(std::string_view name, std::string_view value);
    // Replaces every field of that name with one. Throws header_error.
    void set(std::string_view name, std::string_view value);
    // The first value of that name.
    std::optional<std::string_view> get(std::string_view name) const noexcept;
    // Whether a field of that name is present.
    bool contains(std::string_view name) const noexcept { return get(name).has_value(); }
    // Removes every field of that name; how many there were.
    std::size_t erase(std::string_view name) noexcept;

    // The number of fields.
    std::size_t size() const noexcept { return v_.size(); }
    // True if there are no fields.
    bool empty() const noexcept { return v_.empty(); }
    // Removes every field.
    void clear() noexcept { v_.clear(); }
    // Iterates the fields in order (as headers::field).
    auto begin() const noexcept { return v_.begin(); }
    // The end of the fields.
    auto end() const noexcept { return v_.end(); }

    // Appends without checking (the parser's fields, already valid).
    void add_unchecked(std::string_view name, std::string_view value) {
        v_.push_back({std::string(name), std::string(value)});
    }

private:
    std::vector<field> v_;
};

}  // namespace weft::http
