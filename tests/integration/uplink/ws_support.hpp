// WebSocket test helpers: a mosquitto websockets listener block, a TCP
// proxy that records the HTTP upgrade request it forwards, and an HTTP
// server that refuses every upgrade with a fixed status (and Date header).
#pragma once

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/support.hpp"

namespace tgw::test {

// mosquitto 2.0.11 / libwebsockets 4.1 here cannot bind a websockets
// listener to 127.0.0.1 (nor with IPv6 on): it listens on all IPv4
// addresses; the tests only connect to 127.0.0.1.
inline std::string wsListener(int port, const std::vector<std::string>& tls_lines = {}) {
  std::string block = "listener " + std::to_string(port) + "\nprotocol websockets\nsocket_domain ipv4\n";
  for (const auto& l : tls_lines) block += l + "\n";
  return block;
}

// Listens on 127.0.0.1:port (0 = any free port, written back).
inline int listenLoopback(int& port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::listen(fd, 16);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  port = ntohs(a.sin_port);
  return fd;
}

inline int connectLoopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Accepts on a loopback port, records the first bytes (the HTTP request
// head) of every connection and pipes everything to 127.0.0.1:target.
class RecordingProxy {
 public:
  explicit RecordingProxy(int target, int port = 0) : target_(target), port_(port) {
    fd_ = listenLoopback(port_);
    thread_ = std::thread([this] { run(); });
  }
  ~RecordingProxy() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  int port() const { return port_; }
  int accepted() const { return accepted_; }
  int targetFailed() const { return target_failed_; }
  std::vector<std::string> requests() const {
    std::lock_guard lk(mu_);
    return requests_;
  }

 private:
  void run() {
    struct Pair {
      int a, b;
      bool first = true;
      std::string head;
    };
    std::vector<Pair> pairs;
    while (!stop_) {
      std::vector<pollfd> fds{{fd_, POLLIN, 0}};
      for (auto& p : pairs) {
        fds.push_back({p.a, POLLIN, 0});
        fds.push_back({p.b, POLLIN, 0});
      }
      if (::poll(fds.data(), fds.size(), 50) <= 0) continue;
      const std::size_t polled = pairs.size();  // a pair accepted below is polled next round
      if ((fds[0].revents & POLLIN) != 0) {
        const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        const int t = connectLoopback(target_);
        ++accepted_;
        if (t < 0) ++target_failed_;
        if (c >= 0 && t >= 0) {
          pairs.push_back({c, t, true, {}});
        } else {
          if (c >= 0) ::close(c);
          if (t >= 0) ::close(t);
        }
      }
      for (std::size_t i = 0; i < polled; ++i) {
        auto& p = pairs[i];
        for (int dir = 0; dir < 2; ++dir) {
          const auto& pf = fds[1 + 2 * i + static_cast<std::size_t>(dir)];
          if ((pf.revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
          char buf[16384];
          const int from = dir == 0 ? p.a : p.b;
          const int to = dir == 0 ? p.b : p.a;
          const auto n = ::read(from, buf, sizeof buf);
          if (n <= 0) {
            ::close(p.a);
            ::close(p.b);
            p.a = p.b = -1;
            break;
          }
          if (dir == 0 && p.first) {
            p.head.append(buf, static_cast<std::size_t>(n));
            if (p.head.find("\r\n\r\n") != std::string::npos) {
              p.first = false;
              std::lock_guard lk(mu_);
              requests_.push_back(p.head.substr(0, p.head.find("\r\n\r\n")));
            }
          }
          (void)::send(to, buf, static_cast<std::size_t>(n), MSG_NOSIGNAL);
        }
      }
      std::erase_if(pairs, [](const Pair& p) { return p.a < 0; });
    }
    for (auto& p : pairs) {
      ::close(p.a);
      ::close(p.b);
    }
  }

  int target_;
  int port_ = 0;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::atomic<int> target_failed_{0};
  mutable std::mutex mu_;
  std::vector<std::string> requests_;
  std::thread thread_;
};

// Answers every request with `status_line` (e.g. "HTTP/1.1 403 Forbidden")
// and `date` as the Date header, then closes.
class HttpRefuser {
 public:
  HttpRefuser(std::string status_line, std::string date)
      : status_(std::move(status_line)), date_(std::move(date)) {
    fd_ = listenLoopback(port_);
    thread_ = std::thread([this] { run(); });
  }
  ~HttpRefuser() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  int port() const { return port_; }
  int requests() const { return count_; }

 private:
  void run() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      std::string head;
      char buf[4096];
      for (int i = 0; i < 100 && head.find("\r\n\r\n") == std::string::npos; ++i) {
        pollfd q{c, POLLIN, 0};
        if (::poll(&q, 1, 20) <= 0) continue;
        const auto n = ::read(c, buf, sizeof buf);
        if (n <= 0) break;
        head.append(buf, static_cast<std::size_t>(n));
      }
      ++count_;
      const std::string body = "{\"message\":\"Forbidden\"}";
      const std::string answer = status_ + "\r\nDate: " + date_ + "\r\nContent-Type: application/json\r\n" +
                                 "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" +
                                 body;
      (void)::send(c, answer.data(), answer.size(), MSG_NOSIGNAL);
      ::close(c);
    }
  }
  std::string status_, date_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> count_{0};
  std::thread thread_;
};

}  // namespace tgw::test
