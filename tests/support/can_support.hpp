// Test helpers for the CAN sources: a sink that records signals, and a script
// of (wait for condition -> act) steps run on the event loop thread, so a test
// drives a source and its peer without sleeping.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tgw/core/event_loop.hpp"
#include "tgw/source/source.hpp"

namespace tgw::test {

class RecordingSink final : public SignalSink {
 public:
  void onSignals(std::span<const Signal> signals) override {
    for (const auto& s : signals) {
      all.push_back(s);
      last[s.name] = s;
    }
  }
  [[nodiscard]] std::optional<Signal> latest(const std::string& name) const {
    auto it = last.find(name);
    if (it == last.end()) return std::nullopt;
    return it->second;
  }
  [[nodiscard]] std::size_t count(const std::string& name) const {
    std::size_t n = 0;
    for (const auto& s : all) n += s.name == name ? 1 : 0;
    return n;
  }
  std::vector<Signal> all;
  std::map<std::string, Signal> last;
};

class LoopScript {
 public:
  LoopScript& then(std::string what, std::function<bool()> wait_for, std::function<void()> action = {}) {
    steps_.push_back({std::move(what), std::move(wait_for), std::move(action)});
    return *this;
  }
  LoopScript& act(std::string what, std::function<void()> action) {
    return then(std::move(what), [] { return true; }, std::move(action));
  }
  // Runs the steps on `loop`; false (and failedStep()) if one did not happen in time.
  bool run(EventLoop& loop, std::chrono::milliseconds deadline = std::chrono::seconds(15)) {
    std::size_t next = 0;
    auto poll = loop.every(std::chrono::milliseconds(2), [&] {
      while (next < steps_.size() && steps_[next].wait_for()) {
        if (steps_[next].action) steps_[next].action();
        ++next;
      }
      if (next == steps_.size()) loop.requestStop(0);
    });
    auto timeout = loop.after(deadline, [&] { loop.requestStop(1); });
    auto rc = loop.run();
    if (next < steps_.size()) failed_ = steps_[next].what;
    return rc && *rc == 0 && next == steps_.size();
  }
  [[nodiscard]] const std::string& failedStep() const { return failed_; }

 private:
  struct Step {
    std::string what;
    std::function<bool()> wait_for;
    std::function<void()> action;
  };
  std::vector<Step> steps_;
  std::string failed_;
};

}  // namespace tgw::test
