// A Source reads one piece of hardware (or a simulation / recording) and
// produces Signals. Sources run on the event loop (fd watches, timers) or on
// their own worker thread, posting into the loop; SignalSink is always called
// on the loop thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "tgw/core/error.hpp"
#include "tgw/core/event_loop.hpp"
#include "tgw/model/signal.hpp"

namespace tgw {

class Actuator;  // tgw/command/actuator.hpp

class SignalSink {
 public:
  virtual ~SignalSink() = default;
  virtual void onSignals(std::span<const Signal> signals) = 0;
};

enum class SourceState : std::uint8_t { kStopped, kStarting, kOnline, kOffline, kError };
std::string_view sourceStateName(SourceState s) noexcept;

struct SourceStatus {
  SourceState state = SourceState::kStopped;
  std::string detail;                // last error or note, plain words
  std::uint64_t readings = 0;        // signals produced
  std::uint64_t frames = 0;          // raw frames/lines/polls consumed
  std::uint64_t errors = 0;          // counted bad input / failed polls
  std::int64_t last_reading_ms = 0;  // wall clock of the last signal
};

class Source {
 public:
  virtual ~Source() = default;
  [[nodiscard]] virtual std::string_view name() const = 0;
  // Loop thread. Begin producing signals into `sink` (which outlives the source).
  virtual Expected<void> start(EventLoop& loop, SignalSink& sink) = 0;
  // Loop thread. Stop producing; release hardware. Idempotent.
  virtual void stop() = 0;
  [[nodiscard]] virtual SourceStatus status() const = 0;
  // The source's hardware actuator for downlink commands, or null if it
  // cannot act (simulator, replay). Owned by the source; valid while started.
  virtual Actuator* actuator() { return nullptr; }
};

}  // namespace tgw
