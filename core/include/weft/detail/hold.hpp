// weft/detail/hold.hpp — the move-only "I hold one X of this primitive" guard behind
// mutex_guard, semaphore_guard and shared_mutex's guards: released once, on reset() or
// destruction. Users do not include this.
#pragma once

#include <utility>

namespace weft::detail {

// Release: a function `void(Owner*) noexcept` that gives the held thing back.
template <class Owner, void (*Release)(Owner*) noexcept>
class hold {
public:
    hold() noexcept = default;
    explicit hold(Owner* o) noexcept : o_(o) {}
    hold(hold&& x) noexcept : o_(std::exchange(x.o_, nullptr)) {}
    hold& operator=(hold&& x) noexcept {
        if (this != &x) {
            reset();
            o_ = std::exchange(x.o_, nullptr);
        }
        return *this;
    }
    hold(const hold&) = delete;
    hold& operator=(const hold&) = delete;
    ~hold() { reset(); }

    // Gives it back now (no-op if not held).
    void reset() noexcept {
        if (o_) Release(std::exchange(o_, nullptr));
    }
    bool owns() const noexcept { return o_ != nullptr; }
    Owner* get() const noexcept { return o_; }
    // Stops holding without giving it back (the caller takes over).
    Owner* disown() noexcept { return std::exchange(o_, nullptr); }

private:
    Owner* o_ = nullptr;
};

}  // namespace weft::detail
