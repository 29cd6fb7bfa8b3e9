// futex_parker.cpp — the default parker: one futex word per worker (park_word.hpp).
#include <weft/detail/parker.hpp>

#include "park_word.hpp"

namespace weft::detail {
namespace {

class futex_parker final : public parker {
public:
    void park(std::chrono::nanoseconds timeout) override { word_.park(timeout); }
    void unpark() noexcept override { word_.unpark(); }

private:
    park_word word_;
};

}  // namespace

std::unique_ptr<parker> make_futex_parker() { return std::make_unique<futex_parker>(); }

}  // namespace weft::detail
