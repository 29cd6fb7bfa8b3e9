// weft::version(): the library's own version, compiled in from the generated header.
#include <weft/version.hpp>

namespace weft {

std::string_view version() noexcept { return WEFT_VERSION_STRING; }

}  // namespace weft
