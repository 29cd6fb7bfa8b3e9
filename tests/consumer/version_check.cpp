// The consumer's view of the version (scripts/check-consumers.sh builds it the ways the
// README documents): <weft/version.hpp> is found, its macros agree with each other, and the
// library the program runs with reports the version of the headers it was built with.
// Prints "version: MAJOR.MINOR.PATCH ok".
#include <weft/version.hpp>

#include <cstdio>
#include <string>

static_assert(WEFT_VERSION == WEFT_VERSION_MAJOR * 10000 + WEFT_VERSION_MINOR * 100 + WEFT_VERSION_PATCH);

int main() {
    const std::string from_macros = std::to_string(WEFT_VERSION_MAJOR) + "." + std::to_string(WEFT_VERSION_MINOR) +
                                    "." + std::to_string(WEFT_VERSION_PATCH);
    if (from_macros != WEFT_VERSION_STRING) {
        std::fprintf(stderr, "WEFT_VERSION_STRING %s != the macros' %s\n", WEFT_VERSION_STRING, from_macros.c_str());
        return 1;
    }
    if (weft::version() != WEFT_VERSION_STRING) {
        std::fprintf(stderr, "the library is %.*s, the headers %s\n", static_cast<int>(weft::version().size()),
                     weft::version().data(), WEFT_VERSION_STRING);
        return 1;
    }
    std::printf("version: %s ok\n", WEFT_VERSION_STRING);
    return 0;
}
