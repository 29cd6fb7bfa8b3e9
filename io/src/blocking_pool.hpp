// blocking_pool.hpp — a bounded pool of threads for calls that block (spawn_blocking, file
// I/O under epoll): started on demand up to io_config::blocking_threads, each exiting
// after io_config::blocking_keep_alive_ms idle (tokio's blocking pool).
//
// Jobs are intrusive (they live in the waiting task's frame) and run in FIFO order. A job
// not yet started can be taken back (cancellation); one that has started runs to the end.
// shutdown() stops accepting, forgets the jobs not started and joins the threads, so no
// job runs after it returns.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <weft/detail/intrusive_list.hpp>
#include <weft/detail/io_op.hpp>  // blocking_job

namespace weft::detail {

class blocking_pool {
public:
    blocking_pool(std::uint32_t max_threads, std::chrono::milliseconds keep_alive, std::string name);
    ~blocking_pool();
    blocking_pool(const blocking_pool&) = delete;
    blocking_pool& operator=(const blocking_pool&) = delete;

    // False once shut down (the job will not run).
    bool submit(blocking_job* job);
    // True if the job had not started and now never will.
    bool take_back(blocking_job* job) noexcept;
    void shutdown() noexcept;

    std::uint32_t threads() const;

private:
    void thread_main();

    const std::uint32_t max_threads_;
    const std::chrono::milliseconds keep_alive_;
    const std::string name_;
    mutable std::mutex lock_;
    std::condition_variable cv_;
    intrusive_list<blocking_job> queue_;
    std::vector<std::thread> threads_;
    std::vector<std::thread::id> exited_;  // threads that left on their own, to be joined
    std::uint32_t live_ = 0;
    std::uint32_t idle_ = 0;
    bool stopped_ = false;
};

}  // namespace weft::detail
