// Test helper for Actuators (header-only): a Done that records how often it
// was called, on which thread, and with what. Thread-safe (the loop may run
// on a LoopThread while the test thread waits).
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "tgw/command/actuator.hpp"
#include "tgw/core/event_loop.hpp"

namespace tgw::test {

class OpRecorder {
 public:
  // `loop`: if given, each call checks that it runs on that loop's thread.
  Actuator::Done done(EventLoop* loop = nullptr) {
    auto s = state_;
    return [s, loop](Expected<OpOutcome> r) {
      std::lock_guard lock(s->mutex);
      ++s->calls;
      if (loop != nullptr && !loop->inLoopThread()) ++s->off_loop;
      s->result = std::move(r);
    };
  }
  [[nodiscard]] int calls() const {
    std::lock_guard lock(state_->mutex);
    return state_->calls;
  }
  [[nodiscard]] int offLoop() const {
    std::lock_guard lock(state_->mutex);
    return state_->off_loop;
  }
  [[nodiscard]] bool answered() const { return calls() > 0; }
  [[nodiscard]] bool ok() const {
    std::lock_guard lock(state_->mutex);
    return state_->result && state_->result->has_value();
  }
  // The error code, or kInternal if there is no error (yet).
  [[nodiscard]] Errc code() const {
    std::lock_guard lock(state_->mutex);
    return state_->result && !state_->result->has_value() ? state_->result->error().code : Errc::kInternal;
  }
  // The outcome's detail or the error's message.
  [[nodiscard]] std::string text() const {
    std::lock_guard lock(state_->mutex);
    if (!state_->result) return "(no answer)";
    return state_->result->has_value() ? (*state_->result)->detail : state_->result->error().message;
  }

 private:
  struct State {
    std::mutex mutex;
    int calls = 0;
    int off_loop = 0;
    std::optional<Expected<OpOutcome>> result;
  };
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

}  // namespace tgw::test
