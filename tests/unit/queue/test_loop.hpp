// A deterministic EventLoop and Clock for queue unit tests: time moves only
// when the test calls advance(); timers fire in due order; posted tasks run
// in FIFO order.
#pragma once

#include <algorithm>
#include <deque>
#include <map>
#include <memory>

#include "tgw/core/clock.hpp"
#include "tgw/core/event_loop.hpp"

namespace tgw::test {

class FakeClock final : public Clock {
 public:
  [[nodiscard]] WallTime now() const override { return wall_; }
  [[nodiscard]] MonoTime monotonic() const override { return mono_; }
  void advance(std::chrono::milliseconds d) {
    wall_ += d;
    mono_ += d;
  }

 private:
  WallTime wall_ = fromUnixMs(1'790'000'000'000);
  MonoTime mono_ = MonoTime(std::chrono::hours(1));
};

class ManualLoop final : public EventLoop {
 public:
  explicit ManualLoop(FakeClock& clock) : clock_(clock) {}

  void post(Task task) override { posted_.push_back(std::move(task)); }
  Registration after(Duration delay, Task task) override { return add(delay, Duration(0), std::move(task)); }
  Registration every(Duration period, Task task) override { return add(period, period, std::move(task)); }
  Registration watchFd(int, std::uint32_t, std::function<void(std::uint32_t)>) override { return {}; }
  Registration onSignal(int, Task) override { return {}; }
  Expected<int> run() override { return 0; }
  void requestStop(int) override {}
  [[nodiscard]] bool inLoopThread() const override { return true; }
  [[nodiscard]] std::uint64_t iterations() const override { return iterations_; }

  // Run posted tasks until none are left.
  void runPending() {
    while (!posted_.empty()) {
      auto t = std::move(posted_.front());
      posted_.pop_front();
      t();
      ++iterations_;
    }
  }
  // Move time forward, firing due timers (and the tasks they post) in order.
  void advance(std::chrono::milliseconds d) {
    runPending();
    const MonoTime end = clock_.monotonic() + d;
    for (;;) {
      auto next = std::min_element(timers_.begin(), timers_.end(),
                                   [](const auto& a, const auto& b) { return a.second->due < b.second->due; });
      if (next == timers_.end() || next->second->due > end) break;
      auto timer = next->second;  // keep alive while it runs
      if (timer->due > clock_.monotonic())
        clock_.advance(std::chrono::duration_cast<Duration>(timer->due - clock_.monotonic()));
      if (timer->period.count() > 0) {
        timer->due += timer->period;
      } else {
        timers_.erase(next);
      }
      timer->task();
      runPending();
    }
    if (end > clock_.monotonic()) clock_.advance(std::chrono::duration_cast<Duration>(end - clock_.monotonic()));
  }
  [[nodiscard]] std::size_t timers() const { return timers_.size(); }

 private:
  struct Timer {
    MonoTime due;
    Duration period;
    Task task;
  };
  Registration add(Duration delay, Duration period, Task task) {
    const std::uint64_t id = next_id_++;
    timers_[id] = std::make_shared<Timer>(Timer{clock_.monotonic() + delay, period, std::move(task)});
    return Registration([this, id] { timers_.erase(id); });
  }

  FakeClock& clock_;
  std::deque<Task> posted_;
  std::map<std::uint64_t, std::shared_ptr<Timer>> timers_;
  std::uint64_t next_id_ = 1;
  std::uint64_t iterations_ = 0;
};

}  // namespace tgw::test
