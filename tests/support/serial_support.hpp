// Test helpers for the serial sources (header-only): an event loop on its
// own thread, a signal-recording sink, and pty pairs standing in for serial
// devices (the test holds the master side, the code under test opens the
// slave path, or a symlink to it so "unplug" and "replug" can be played).
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/sd_event_loop.hpp"
#include "tgw/source/source.hpp"

namespace tgw::test {

// An sd-event loop running on a thread; call() runs a function on it and waits.
class LoopThread {
 public:
  LoopThread() {
    auto loop = core::makeSdEventLoop();
    if (!loop) throw std::runtime_error(loop.error().message);
    loop_ = std::move(*loop);
    thread_ = std::thread([this] { (void)loop_->run(); });
  }
  ~LoopThread() {
    loop_->requestStop(0);
    thread_.join();
  }
  LoopThread(const LoopThread&) = delete;
  LoopThread& operator=(const LoopThread&) = delete;

  EventLoop& loop() { return *loop_; }

  template <class Fn>
  auto call(Fn fn) -> decltype(fn()) {
    using R = decltype(fn());
    std::promise<R> p;
    auto f = p.get_future();
    loop_->post([&] {
      if constexpr (std::is_void_v<R>) {
        fn();
        p.set_value();
      } else {
        p.set_value(fn());
      }
    });
    return f.get();
  }

 private:
  std::unique_ptr<EventLoop> loop_;
  std::thread thread_;
};

class RecordingSink final : public SignalSink {
 public:
  void onSignals(std::span<const Signal> signals) override {
    std::lock_guard lock(mutex_);
    for (const auto& s : signals) {
      all_.push_back(s);
      last_[s.name] = s;
    }
  }
  std::optional<Signal> last(const std::string& name) const {
    std::lock_guard lock(mutex_);
    auto it = last_.find(name);
    if (it == last_.end()) return std::nullopt;
    return it->second;
  }
  std::size_t count(const std::string& name) const {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& s : all_) n += s.name == name ? 1 : 0;
    return n;
  }
  std::vector<Signal> all() const {
    std::lock_guard lock(mutex_);
    return all_;
  }
  // Values of `name` in arrival order.
  std::vector<SignalValue> values(const std::string& name) const {
    std::lock_guard lock(mutex_);
    std::vector<SignalValue> out;
    for (const auto& s : all_) {
      if (s.name == name) out.push_back(s.value);
    }
    return out;
  }
  void clear() {
    std::lock_guard lock(mutex_);
    all_.clear();
    last_.clear();
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Signal> all_;
  std::map<std::string, Signal> last_;
};

// A pseudo-terminal pair. The slave is put in raw mode (no echo, no line
// editing) and kept open by the test so the master never reads EIO.
class PtyPair {
 public:
  PtyPair() {
    master_ = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master_ < 0 || ::grantpt(master_) != 0 || ::unlockpt(master_) != 0) throw std::runtime_error("posix_openpt");
    char buf[128];
    if (::ptsname_r(master_, buf, sizeof buf) != 0) throw std::runtime_error("ptsname_r");
    slave_path_ = buf;
    keep_slave_ = ::open(slave_path_.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
    termios tio{};
    ::tcgetattr(keep_slave_, &tio);
    ::cfmakeraw(&tio);
    ::tcsetattr(keep_slave_, TCSANOW, &tio);
    ::fcntl(master_, F_SETFL, ::fcntl(master_, F_GETFL) | O_NONBLOCK);
  }
  ~PtyPair() { close(); }
  PtyPair(const PtyPair&) = delete;
  PtyPair& operator=(const PtyPair&) = delete;

  [[nodiscard]] const std::string& slavePath() const { return slave_path_; }
  [[nodiscard]] int masterFd() const { return master_; }

  void write(const std::string& data) const {
    std::size_t off = 0;
    while (off < data.size()) {
      const ssize_t n = ::write(master_, data.data() + off, data.size() - off);
      if (n > 0) {
        off += static_cast<std::size_t>(n);
      } else {
        pollfd p{master_, POLLOUT, 0};
        ::poll(&p, 1, 100);
      }
    }
  }
  // Bytes available within `timeout` (may be empty).
  std::string read(std::chrono::milliseconds timeout = std::chrono::milliseconds(0)) const {
    std::string out;
    pollfd p{master_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return out;
    char buf[4096];
    ssize_t n = 0;
    while ((n = ::read(master_, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
    return out;
  }
  // "Unplug": closing the master hangs up every open slave.
  void close() {
    if (keep_slave_ >= 0) ::close(keep_slave_);
    if (master_ >= 0) ::close(master_);
    keep_slave_ = master_ = -1;
  }

 private:
  int master_ = -1;
  int keep_slave_ = -1;
  std::string slave_path_;
};

// A stable device path (symlink) that can point at successive pty pairs.
inline void pointLink(const std::string& link, const std::string& target) {
  std::error_code ec;
  std::filesystem::remove(link, ec);
  if (!target.empty()) std::filesystem::create_symlink(target, link);
}

}  // namespace tgw::test
