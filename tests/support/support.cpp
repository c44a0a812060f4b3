#include "support/support.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace tgw::test {

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "tgw-test-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::write(const std::string& name, const std::string& content) const {
  const auto p = path_ / name;
  std::filesystem::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  out << content;
  return p.string();
}

int freePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("bind failed");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool portOpen(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

bool waitFor(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Process::Process(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                 const std::string& output_file) {
  output_file_ = output_file;
  if (output_file_.empty()) {
    char tmpl[] = "/tmp/tgw-proc-XXXXXX";
    const int fd = ::mkstemp(tmpl);
    ::close(fd);
    output_file_ = tmpl;
    owns_output_ = true;
  }
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    // Child: unblock signals the test runner may have blocked.
    sigset_t set;
    sigemptyset(&set);
    sigprocmask(SIG_SETMASK, &set, nullptr);
    ::setpgid(0, 0);
    const int out = ::open(output_file_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(out, STDERR_FILENO);
    const int devnull = ::open("/dev/null", O_RDONLY);
    ::dup2(devnull, STDIN_FILENO);
    for (const auto& [k, v] : env) {
      if (v.empty()) {
        ::unsetenv(k.c_str());
      } else {
        ::setenv(k.c_str(), v.c_str(), 1);
      }
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
}

Process::~Process() {
  if (pid_ > 0) kill();
  if (owns_output_) ::unlink(output_file_.c_str());
}

Process::Process(Process&& other) noexcept { *this = std::move(other); }

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    if (pid_ > 0) kill();
    if (owns_output_ && !output_file_.empty()) ::unlink(output_file_.c_str());
    pid_ = other.pid_;
    status_ = other.status_;
    output_file_ = std::move(other.output_file_);
    owns_output_ = other.owns_output_;
    other.pid_ = -1;
    other.owns_output_ = false;
  }
  return *this;
}

bool Process::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    status_ = status;
    pid_ = -1;
    return false;
  }
  return true;
}

void Process::signal(int signo) {
  if (pid_ > 0) ::kill(pid_, signo);
}

int Process::wait(std::chrono::milliseconds timeout) {
  if (pid_ > 0) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (running()) {
      if (std::chrono::steady_clock::now() > deadline) return -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  if (status_ < 0) return -1;
  if (WIFEXITED(status_)) return WEXITSTATUS(status_);
  if (WIFSIGNALED(status_)) return 128 + WTERMSIG(status_);
  return -1;
}

void Process::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  status_ = status;
  pid_ = -1;
}

std::string Process::output() const { return readFile(output_file_); }

int run(const std::vector<std::string>& argv, std::string* out, std::chrono::milliseconds timeout) {
  Process p(argv);
  const int code = p.wait(timeout);
  if (code == -1) p.kill();
  if (out != nullptr) *out = p.output();
  return code;
}

std::string binaryPath(const std::string& name) {
  const char* dir = std::getenv("TGW_BINARY_DIR");
  return std::string(dir != nullptr ? dir : TGW_DEFAULT_BINARY_DIR) + "/" + name;
}

std::string sourcePath(const std::string& relative) {
  const char* dir = std::getenv("TGW_SOURCE_DIR");
  return std::string(dir != nullptr ? dir : TGW_DEFAULT_SOURCE_DIR) + "/" + relative;
}

std::string buildPath(const std::string& relative) {
  const char* dir = std::getenv("TGW_BUILD_DIR");
  return std::string(dir != nullptr ? dir : TGW_DEFAULT_BUILD_DIR) + "/" + relative;
}

}  // namespace tgw::test
