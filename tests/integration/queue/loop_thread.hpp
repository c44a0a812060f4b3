// The real sd-event loop on its own thread; sync() runs a function on it and
// waits (everything loop-owned is created and used through sync()).
#pragma once

#include <functional>
#include <future>
#include <memory>
#include <thread>

#include "core/sd_event_loop.hpp"

namespace tgw::test {

class QueueLoopThread {
 public:
  QueueLoopThread() {
    auto loop = core::makeSdEventLoop();
    if (!loop) throw std::runtime_error(loop.error().message);
    loop_ = std::move(*loop);
    thread_ = std::thread([this] { (void)loop_->run(); });
  }
  ~QueueLoopThread() {
    loop_->requestStop(0);
    thread_.join();
  }
  QueueLoopThread(const QueueLoopThread&) = delete;
  QueueLoopThread& operator=(const QueueLoopThread&) = delete;

  EventLoop& loop() { return *loop_; }
  void sync(const std::function<void()>& fn) {
    std::promise<void> done;
    loop_->post([&] {
      fn();
      done.set_value();
    });
    done.get_future().wait();
  }
  template <class T>
  T get(const std::function<T()>& fn) {
    T out{};
    sync([&] { out = fn(); });
    return out;
  }

 private:
  std::unique_ptr<EventLoop> loop_;
  std::thread thread_;
};

}  // namespace tgw::test
