// The one event loop that owns the daemon's state. Other threads (Paho's
// callback thread, workers) never touch that state: they post() work into
// the loop, which runs it on the loop thread (the TaskRunner pattern).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include "tgw/core/error.hpp"

namespace tgw {

// RAII registration: destroying (or reset()) cancels the timer / fd watch.
class Registration {
 public:
  Registration() = default;
  explicit Registration(std::function<void()> cancel) : cancel_(std::move(cancel)) {}
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;
  Registration(Registration&& other) noexcept : cancel_(std::move(other.cancel_)) { other.cancel_ = nullptr; }
  Registration& operator=(Registration&& other) noexcept {
    if (this != &other) {
      reset();
      cancel_ = std::move(other.cancel_);
      other.cancel_ = nullptr;
    }
    return *this;
  }
  ~Registration() { reset(); }
  void reset() noexcept {
    if (cancel_) {
      auto cancel = std::move(cancel_);
      cancel_ = nullptr;
      cancel();
    }
  }
  [[nodiscard]] bool active() const noexcept { return static_cast<bool>(cancel_); }

 private:
  std::function<void()> cancel_;
};

class EventLoop {
 public:
  using Task = std::function<void()>;
  using Duration = std::chrono::milliseconds;

  virtual ~EventLoop() = default;

  // Thread-safe: queue a task to run on the loop thread, in FIFO order.
  // Tasks posted after the loop stopped are dropped (and counted).
  virtual void post(Task task) = 0;

  // Loop thread only. One-shot timer after `delay`.
  [[nodiscard]] virtual Registration after(Duration delay, Task task) = 0;
  // Loop thread only. Periodic timer (first run after one period).
  [[nodiscard]] virtual Registration every(Duration period, Task task) = 0;
  // Loop thread only. Watch a file descriptor (EPOLLIN / EPOLLOUT ...).
  [[nodiscard]] virtual Registration watchFd(int fd, std::uint32_t events,
                                             std::function<void(std::uint32_t revents)> handler) = 0;
  // Loop thread only. Handle a POSIX signal synchronously in the loop
  // (the signal is blocked for the process and read via signalfd).
  [[nodiscard]] virtual Registration onSignal(int signo, Task handler) = 0;

  // Run until requestStop(); returns the exit status given to requestStop.
  virtual Expected<int> run() = 0;
  // Thread-safe.
  virtual void requestStop(int status = 0) = 0;

  [[nodiscard]] virtual bool inLoopThread() const = 0;
  // Number of completed loop iterations (for liveness checks / watchdog).
  [[nodiscard]] virtual std::uint64_t iterations() const = 0;
};


}  // namespace tgw
