#include "profiles/rules.hpp"

#include <algorithm>
#include <cmath>

namespace tgw::profiles {
namespace {
constexpr double kTolKmh = 0.5;              // speeds within this count as "the same"
constexpr std::int64_t kMaxEventMs = 30000;  // an event longer than this is reported then
constexpr std::int64_t kHistoryMs = 40000;
}  // namespace

std::optional<ThresholdEvent> ThresholdRule::update(double value, std::int64_t ts_ms, bool* time_backwards) {
  if (!cfg_.enabled || !std::isfinite(value)) return std::nullopt;
  if (have_last_ && ts_ms < last_ts_) {
    // Clock stepped back: the timers are meaningless; start them again.
    pending_since_.reset();
    if (time_backwards != nullptr) *time_backwards = true;
  } else if (have_last_ && ts_ms - last_ts_ > std::max<std::int64_t>(kMaxGapMs, cfg_.min_duration_ms)) {
    pending_since_.reset();  // readings stopped for a while: durations restart
  }
  last_ts_ = ts_ms;
  have_last_ = true;

  if (!active_) {
    if (!beyond(value)) {
      pending_since_.reset();
      return std::nullopt;
    }
    if (!pending_since_) pending_since_ = ts_ms;
    if (ts_ms - *pending_since_ < cfg_.min_duration_ms) return std::nullopt;
    active_ = true;
    since_ms_ = *pending_since_;
    pending_since_.reset();
    peak_ = value;
    return ThresholdEvent{true, value, value, since_ms_, ts_ms};
  }
  peak_ = above_ ? std::max(peak_, value) : std::min(peak_, value);
  if (!cleared(value)) {
    pending_since_.reset();
    return std::nullopt;
  }
  if (!pending_since_) pending_since_ = ts_ms;
  if (ts_ms - *pending_since_ < cfg_.min_duration_ms) return std::nullopt;
  active_ = false;
  pending_since_.reset();
  return ThresholdEvent{false, value, peak_, since_ms_, ts_ms};
}

void RateRule::reset() {
  samples_.clear();
  active_ = false;
  pending_since_.reset();
}

std::optional<double> RateRule::slope() const {
  if (samples_.size() < 2) return std::nullopt;
  const Sample& now = samples_.back();
  // The latest sample at least one window before the newest.
  const Sample* ref = nullptr;
  for (auto it = samples_.rbegin(); it != samples_.rend(); ++it) {
    if (now.ts - it->ts >= cfg_.window_ms) {
      ref = &*it;
      break;
    }
  }
  if (ref == nullptr || now.ts == ref->ts) return std::nullopt;
  return (now.v - ref->v) / 3.6 / (static_cast<double>(now.ts - ref->ts) / 1000.0);
}

void RateRule::startEvent() {
  // Speed before: the extreme speed (max for braking) in the look-back, at
  // the last sample still close to it — where the change really began.
  const std::int64_t now = samples_.back().ts;
  const std::int64_t from = now - cfg_.window_ms - cfg_.min_duration_ms - 1000;
  double extreme = samples_.back().v;
  for (const auto& s : samples_) {
    if (s.ts < from) continue;
    extreme = braking() ? std::max(extreme, s.v) : std::min(extreme, s.v);
  }
  start_ = samples_.back();
  // The latest sample at the extreme (samples after it moved away).
  for (auto it = samples_.rbegin(); it != samples_.rend(); ++it) {
    if (it->ts < from) break;
    if (std::fabs(it->v - extreme) <= kTolKmh) {
      start_ = *it;
      break;
    }
  }
  active_ = true;
}

RateEvent RateRule::finish() {
  // Speed after: the extreme (min for braking) since the start, at the first
  // sample close to it.
  double extreme = start_.v;
  for (const auto& s : samples_) {
    if (s.ts < start_.ts) continue;
    extreme = braking() ? std::min(extreme, s.v) : std::max(extreme, s.v);
  }
  Sample end = samples_.back();
  for (const auto& s : samples_) {
    if (s.ts <= start_.ts) continue;
    if (std::fabs(s.v - extreme) <= kTolKmh) {
      end = s;
      break;
    }
  }
  RateEvent ev;
  ev.speed_before = start_.v;
  ev.speed_after = end.v;
  ev.start_ms = start_.ts;
  ev.end_ms = end.ts;
  ev.detected_ms = samples_.back().ts;
  const double dt = static_cast<double>(end.ts - start_.ts) / 1000.0;
  ev.rate = dt > 0 ? (end.v - start_.v) / 3.6 / dt : 0.0;
  active_ = false;
  pending_since_.reset();
  return ev;
}

std::optional<RateEvent> RateRule::update(double speed_kmh, std::int64_t ts_ms, bool* time_backwards) {
  if (!cfg_.enabled || !std::isfinite(speed_kmh)) return std::nullopt;
  std::optional<RateEvent> out;
  if (!samples_.empty()) {
    const std::int64_t last = samples_.back().ts;
    if (ts_ms < last) {
      // Clock stepped back: slopes across the step are meaningless. An
      // event in progress is dropped (suppressed), never reported wrongly.
      if (time_backwards != nullptr) *time_backwards = true;
      reset();
    } else if (ts_ms == last) {
      samples_.back().v = speed_kmh;  // same instant: keep the newest value
      return std::nullopt;
    } else if (ts_ms - last > std::max<std::int64_t>(2LL * cfg_.window_ms, 3000)) {
      // Readings stopped for a while: finish what we had, start afresh.
      if (active_) out = finish();
      reset();
    }
  }
  samples_.push_back(Sample{ts_ms, speed_kmh});
  while (!samples_.empty() && ts_ms - samples_.front().ts > kHistoryMs) samples_.pop_front();

  const auto rate = slope();
  if (!rate) return out;
  if (!active_) {
    if (!beyond(*rate)) {
      pending_since_.reset();
      return out;
    }
    if (!pending_since_) pending_since_ = ts_ms;
    if (ts_ms - *pending_since_ >= cfg_.min_duration_ms) {
      pending_since_.reset();
      startEvent();
    }
    return out;
  }
  if (ts_ms - start_.ts > kMaxEventMs) return finish();
  if (!cleared(*rate)) {
    pending_since_.reset();
    return out;
  }
  if (!pending_since_) pending_since_ = ts_ms;
  if (ts_ms - *pending_since_ >= cfg_.min_duration_ms) return finish();
  return out;
}

std::optional<RateEvent> RateRule::flush(std::int64_t now_ms) {
  if (!active_ || samples_.empty()) return std::nullopt;
  if (now_ms - samples_.back().ts <= cfg_.window_ms + 1000) return std::nullopt;
  auto ev = finish();
  ev.detected_ms = now_ms;
  reset();
  return ev;
}

}  // namespace tgw::profiles
