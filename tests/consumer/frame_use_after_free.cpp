// frame_use_after_free.cpp — built by scripts/check-consumers.sh with -fsanitize=address
// against an uninstrumented weft: a reference into a finished task's frame is read after
// the frame is gone. ASan must report it (heap-use-after-free): frames come from malloc
// whenever a sanitizer's runtime is in the process (core/src/frame_allocator.cpp), so the
// user's own ASan build sees them without a sanitized weft. The script expects the report.
#include <cstdio>

#include <weft/runtime.hpp>
#include <weft/task.hpp>

namespace {

int* dangling = nullptr;

weft::task<int> keeps_a_local(int v) {
    int local = v;
    dangling = &local;  // the mistake: a pointer into this frame outlives it
    co_return local;
}

weft::task<int> main_task() {
    int v = co_await keeps_a_local(7);  // the child's frame is freed here
    co_return v + *dangling;            // reads freed frame memory
}

}  // namespace

int main() {
    int r = weft::run(main_task());
    std::printf("read %d\n", r);
    return 0;
}
