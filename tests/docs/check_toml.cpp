// check_toml.cpp — loads a weft configuration file the way a program does and reads the
// sections of every module (so unknown or bad keys anywhere are errors); exits 1 with the
// config_error's message otherwise. scripts/check-doc-snippets.py runs it on the TOML
// blocks of the docs.
#include <cstdio>
#include <exception>

#include <weft/config.hpp>
#include <weft/io_config.hpp>
#include <weft/timer_config.hpp>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: check_toml FILE\n");
        return 2;
    }
    try {
        weft::runtime_config c = weft::runtime_config::from_file(argv[1]);
        (void)c.section<weft::timer_config>();
        (void)c.section<weft::io_config>();
        c.validate();
        if (!c.sections.pending().empty()) {
            const weft::config_value& v = c.sections.pending().front();
            std::fprintf(stderr, "%s: %s: no weft module reads the section [%s]\n", v.source.c_str(), v.name().c_str(),
                         v.section.c_str());
            return 1;
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
    return 0;
}
