// A real NOTIFY_SOCKET: an AF_UNIX datagram socket bound in a temp dir that
// collects every sd_notify() message in arrival order.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace tgw::test {

class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd_ < 0) throw std::runtime_error("socket(AF_UNIX, SOCK_DGRAM) failed");
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
    ::unlink(path.c_str());
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      throw std::runtime_error("bind " + path + ": " + std::strerror(errno));
    }
  }
  ~NotifySocket() {
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  [[nodiscard]] const std::string& path() const { return path_; }

  // Read what arrived so far; returns all messages received since creation.
  const std::vector<std::string>& poll() {
    char buf[4096];
    for (;;) {
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n < 0) break;
      messages_.emplace_back(buf, static_cast<std::size_t>(n));
    }
    return messages_;
  }

  // Index of the first message at or after `from` that starts with `prefix`, or -1.
  int find(const std::string& prefix, std::size_t from = 0) {
    poll();
    for (std::size_t i = from; i < messages_.size(); ++i) {
      if (messages_[i].rfind(prefix, 0) == 0) return static_cast<int>(i);
    }
    return -1;
  }
  int count(const std::string& prefix, std::size_t from = 0) {
    poll();
    int n = 0;
    for (std::size_t i = from; i < messages_.size(); ++i) n += messages_[i].rfind(prefix, 0) == 0 ? 1 : 0;
    return n;
  }
  [[nodiscard]] std::string dump() const {
    std::string out;
    for (const auto& m : messages_) out += "  [" + m + "]\n";
    return out;
  }

 private:
  std::string path_;
  int fd_ = -1;
  std::vector<std::string> messages_;
};

}  // namespace tgw::test
