// blocking_pool.cpp — see blocking_pool.hpp.
#include "blocking_pool.hpp"

#include <pthread.h>

#include <algorithm>

namespace weft::detail {

blocking_pool::blocking_pool(std::uint32_t max_threads, std::chrono::milliseconds keep_alive, std::string name)
    : max_threads_(max_threads), keep_alive_(keep_alive), name_(std::move(name)) {}

blocking_pool::~blocking_pool() { shutdown(); }

bool blocking_pool::submit(blocking_job* job) {
    std::unique_lock lock(lock_);
    if (stopped_) return false;
    queue_.push_back(job);
    job->queued = true;
    if (idle_ > 0) {
        lock.unlock();
        cv_.notify_one();
        return true;
    }
    if (live_ < max_threads_) {
        // Reap threads that exited on their own before starting another.
        for (auto id : exited_) {
            auto it = std::find_if(threads_.begin(), threads_.end(), [&](auto& t) { return t.get_id() == id; });
            if (it != threads_.end()) {
                it->join();
                threads_.erase(it);
            }
        }
        exited_.clear();
        ++live_;
        try {
            threads_.emplace_back([this] { thread_main(); });
        } catch (...) {  // no thread: the job waits for a busy one
            --live_;
            if (live_ == 0) {
                queue_.erase(job);
                job->queued = false;
                throw;
            }
        }
    }
    return true;
}

bool blocking_pool::take_back(blocking_job* job) noexcept {
    std::lock_guard lock(lock_);
    if (!job->queued) return false;
    queue_.erase(job);
    job->queued = false;
    return true;
}

std::uint32_t blocking_pool::threads() const {
    std::lock_guard lock(lock_);
    return live_;
}

void blocking_pool::thread_main() {
    std::string n = name_.substr(0, 15);
    pthread_setname_np(pthread_self(), n.c_str());
    std::unique_lock lock(lock_);
    while (true) {
        while (queue_.empty() && !stopped_) {
            ++idle_;
            bool timed_out = cv_.wait_for(lock, keep_alive_) == std::cv_status::timeout;
            --idle_;
            if (timed_out && queue_.empty() && !stopped_) {
                --live_;
                exited_.push_back(std::this_thread::get_id());
                return;
            }
        }
        if (stopped_) return;
        blocking_job* job = queue_.pop_front();
        job->queued = false;
        lock.unlock();
        job->run(job);  // may complete the job's task: the job is gone after this
        lock.lock();
    }
}

void blocking_pool::shutdown() noexcept {
    std::vector<std::thread> threads;
    {
        std::lock_guard lock(lock_);
        stopped_ = true;
        while (blocking_job* j = queue_.pop_front()) j->queued = false;
        threads.swap(threads_);
    }
    cv_.notify_all();
    for (auto& t : threads)
        if (t.joinable()) t.join();
}

}  // namespace weft::detail
