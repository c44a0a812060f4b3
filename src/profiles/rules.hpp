// Derived alerts/alarms: threshold and rate-of-change rules with hysteresis
// and a minimum duration, so that one physical event gives one event here.
// Pure: readings with their own timestamps in, events out.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>

#include "tgw/config/profile_config.hpp"

namespace tgw::profiles {

// Readings further apart than this break a pending onset / clearing.
inline constexpr std::int64_t kMaxGapMs = 5000;

struct ThresholdEvent {
  bool raised = true;         // false: cleared
  double value = 0;           // the reading that completed the transition
  double peak = 0;            // most extreme reading while active (cleared events)
  std::int64_t since_ms = 0;  // when the condition began
  std::int64_t ts_ms = 0;
};

// Fires when the value is above (or below) `threshold` for at least
// `min_duration_ms`; clears when it is back below (above) `clear` for at
// least `min_duration_ms`. Readings older than the previous one reset the
// pending timers (clock stepped back) and return "time_backwards".
class ThresholdRule {
 public:
  ThresholdRule(const config::RuleConfig& cfg, bool above) : cfg_(cfg), above_(above) {}
  std::optional<ThresholdEvent> update(double value, std::int64_t ts_ms, bool* time_backwards = nullptr);
  [[nodiscard]] bool active() const { return active_; }
  [[nodiscard]] const config::RuleConfig& config() const { return cfg_; }

 private:
  [[nodiscard]] bool beyond(double v) const { return above_ ? v > cfg_.threshold : v < cfg_.threshold; }
  [[nodiscard]] bool cleared(double v) const { return above_ ? v < cfg_.clear : v > cfg_.clear; }

  config::RuleConfig cfg_;
  bool above_;
  bool active_ = false;
  std::optional<std::int64_t> pending_since_;
  std::int64_t last_ts_ = 0;
  bool have_last_ = false;
  double peak_ = 0;
  std::int64_t since_ms_ = 0;
};

struct RateEvent {
  double rate = 0;          // average over the event, m/s² (negative = braking)
  double speed_before = 0;  // km/h
  double speed_after = 0;   // km/h
  std::int64_t start_ms = 0;
  std::int64_t end_ms = 0;
  std::int64_t detected_ms = 0;  // reading time when the event was known to be over
};

// Harsh braking (threshold < 0) / acceleration (threshold > 0) from a speed
// in km/h. The slope over `window_ms` must be beyond `threshold` for
// `min_duration_ms` to start an event; the event ends when the slope is back
// past `clear` for `min_duration_ms`, or when readings stop (flush). The
// reported rate is the average from the last sample at the speed before the
// event to the first sample at the speed after it.
class RateRule {
 public:
  explicit RateRule(const config::RuleConfig& cfg) : cfg_(cfg) {}
  std::optional<RateEvent> update(double speed_kmh, std::int64_t ts_ms, bool* time_backwards = nullptr);
  // Readings stopped: finish an active event if the last reading is older
  // than window + 1 s at `now_ms`.
  std::optional<RateEvent> flush(std::int64_t now_ms);
  [[nodiscard]] bool active() const { return active_; }
  [[nodiscard]] const config::RuleConfig& config() const { return cfg_; }

 private:
  struct Sample {
    std::int64_t ts;
    double v;
  };
  [[nodiscard]] bool braking() const { return cfg_.threshold < 0; }
  [[nodiscard]] bool beyond(double rate) const { return braking() ? rate <= cfg_.threshold : rate >= cfg_.threshold; }
  [[nodiscard]] bool cleared(double rate) const { return braking() ? rate > cfg_.clear : rate < cfg_.clear; }
  [[nodiscard]] std::optional<double> slope() const;
  void startEvent();
  RateEvent finish();
  void reset();

  config::RuleConfig cfg_;
  std::deque<Sample> samples_;
  bool active_ = false;
  std::optional<std::int64_t> pending_since_;
  Sample start_{0, 0};
};

}  // namespace tgw::profiles
