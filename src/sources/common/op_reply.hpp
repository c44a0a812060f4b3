// Small helpers shared by the sources' Actuators (header-only): answering an
// operation's Done on the loop thread, exactly once.
#pragma once

#include <fmt/format.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "tgw/command/actuator.hpp"
#include "tgw/core/event_loop.hpp"

namespace tgw::sources {

// Answer on the next loop turn, never inside execute() (the caller may not
// expect re-entry). Without a loop (source never started) answer now.
inline void answerLater(EventLoop* loop, Actuator::Done done, Expected<OpOutcome> result) {
  if (!done) return;
  if (loop == nullptr) {
    done(std::move(result));
    return;
  }
  loop->post([done = std::move(done), result = std::move(result)]() mutable { done(std::move(result)); });
}

// A Done that runs at most once; copies share the "already answered" flag.
// Loop thread only (every completion path of an operation runs there).
class OnceDone {
 public:
  OnceDone() = default;
  explicit OnceDone(Actuator::Done done) : done_(std::make_shared<Actuator::Done>(std::move(done))) {}
  [[nodiscard]] bool pending() const { return done_ && *done_; }
  void operator()(Expected<OpOutcome> result) const {
    if (!pending()) return;
    auto d = std::move(*done_);
    *done_ = nullptr;
    d(std::move(result));
  }

 private:
  std::shared_ptr<Actuator::Done> done_;
};

inline Error unsupportedOp(std::string_view source, const HardwareOp& op) {
  return Error{Errc::kInvalidArgument,
               fmt::format("source '{}' cannot carry out {} operations", source, hardwareOpKind(op))};
}

inline Error sourceStopped(std::string_view source) {
  return Error{Errc::kUnavailable, fmt::format("source '{}' stopped", source)};
}

}  // namespace tgw::sources
