// weft-micro — Google Benchmark micro-benchmarks of weft's building blocks, one file per
// topic (spawn.cpp, yield.cpp, frame_alloc.cpp, local_queue.cpp, channel.cpp, sync.cpp,
// task_group.cpp); each file registers its benchmarks. Debian ships no benchmark_main.pc,
// hence this main.
//
//   build-bench/benchmarks/weft-micro --benchmark_filter=alloc --benchmark_min_time=0.2
//
// Benchmarks that need a runtime create it once per benchmark function, outside the timing
// loop, and run `batch` operations per block_on (micro.hpp) so that block_on's hand-off to a
// worker does not dominate; items/s is per operation. They use real time: the timing
// thread only waits in block_on while the workers do the work.
#include <benchmark/benchmark.h>

BENCHMARK_MAIN();
