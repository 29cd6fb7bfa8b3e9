// child_process.hpp — running peer programs (openssl, curl, nginx) from interop tests:
// posix_spawn (safe with the runtime's threads running), stdout/stderr to files, bounded
// waits, and a kill in the destructor so a failing test leaves no process behind.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

extern char** environ;

namespace weft::test {

inline bool have_program(const std::string& name) {
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path ? path : "/usr/bin:/bin");
    std::string dir;
    while (std::getline(dirs, dir, ':'))
        if (::access((dir + "/" + name).c_str(), X_OK) == 0) return true;
    return ::access(("/usr/sbin/" + name).c_str(), X_OK) == 0;
}

inline std::string read_text(const std::string& path) {
    std::ifstream f(path);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

// A port nobody listens on right now (bound and released; fine on a test machine).
inline std::uint16_t free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) < 0)
        throw std::runtime_error("free_port failed");
    ::close(fd);
    return ntohs(a.sin_port);
}

// Whether something accepts on 127.0.0.1:port within `limit`.
inline bool wait_for_port(std::uint16_t port, std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons(port);
        bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
        ::close(fd);
        if (ok) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

class child_process {
public:
    // Starts argv (argv[0] looked up in PATH) with stdout and stderr going to files, and
    // stdin from a pipe (write_stdin/close_stdin) or /dev/null.
    child_process(std::vector<std::string> argv, const std::string& out_path, const std::string& err_path,
                  bool stdin_pipe = false) {
        int in[2] = {-1, -1};
        if (stdin_pipe && ::pipe2(in, O_CLOEXEC) < 0) throw std::runtime_error("pipe2 failed");
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        if (stdin_pipe)
            posix_spawn_file_actions_adddup2(&fa, in[0], 0);
        else
            posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        std::vector<char*> args;
        for (auto& a : argv) args.push_back(a.data());
        args.push_back(nullptr);
        int rc = ::posix_spawnp(&pid_, args[0], &fa, nullptr, args.data(), environ);
        posix_spawn_file_actions_destroy(&fa);
        if (stdin_pipe) {
            ::close(in[0]);
            stdin_ = in[1];
        }
        if (rc != 0) {
            pid_ = -1;
            throw std::runtime_error("posix_spawnp " + argv[0] + " failed");
        }
    }
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;
    ~child_process() {
        close_stdin();
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }

    void write_stdin(std::string_view s) {
        if (stdin_ >= 0 && ::write(stdin_, s.data(), s.size()) != static_cast<ssize_t>(s.size()))
            throw std::runtime_error("writing to a child's stdin failed");
    }
    void close_stdin() {
        if (stdin_ >= 0) ::close(stdin_);
        stdin_ = -1;
    }

    // The exit status once it exits within `limit`; -1 if it had to be killed.
    int wait(std::chrono::milliseconds limit) {
        auto deadline = std::chrono::steady_clock::now() + limit;
        int status = 0;
        while (pid_ > 0) {
            pid_t r = ::waitpid(pid_, &status, WNOHANG);
            if (r == pid_) {
                pid_ = -1;
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
            if (std::chrono::steady_clock::now() > deadline) {
                ::kill(pid_, SIGKILL);
                ::waitpid(pid_, nullptr, 0);
                pid_ = -1;
                return -1;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return -1;
    }

    // SIGTERM, then the exit status (killed after 5 s).
    int terminate() {
        if (pid_ > 0) ::kill(pid_, SIGTERM);
        return wait(std::chrono::seconds(5));
    }

private:
    pid_t pid_ = -1;
    int stdin_ = -1;
};

}  // namespace weft::test
