#include "uplink/paho/link_watchdog.hpp"

#include <algorithm>

namespace tgw::uplink {

LinkWatchdog::LinkWatchdog(const Clock& clock, int keepalive_s)
    : clock_(clock), limit_(std::chrono::seconds(std::max(0, keepalive_s))), last_heard_(clock.monotonic()) {}

void LinkWatchdog::connected() {
  last_heard_ = clock_.monotonic();
  busy_since_.reset();
  probe_sent_at_.reset();
}

void LinkWatchdog::sent() {
  if (!busy_since_) busy_since_ = clock_.monotonic();
}

void LinkWatchdog::heard() {
  last_heard_ = clock_.monotonic();
}

void LinkWatchdog::idle() {
  busy_since_.reset();
}

bool LinkWatchdog::probeDue() const {
  return limit_.count() > 0 && !probe_sent_at_ && clock_.monotonic() - last_heard_ >= limit_ / 3;
}

void LinkWatchdog::probeSent() {
  probe_sent_at_ = clock_.monotonic();
}

void LinkWatchdog::probeDone(bool answered) {
  probe_sent_at_.reset();
  if (answered) heard();
}

std::optional<std::chrono::milliseconds> LinkWatchdog::expired() const {
  if (limit_.count() <= 0) return std::nullopt;
  // Waiting for the broker since the older of: the first publish in flight,
  // the probe.
  std::optional<MonoTime> waiting = busy_since_;
  if (probe_sent_at_ && (!waiting || *probe_sent_at_ < *waiting)) waiting = probe_sent_at_;
  if (!waiting) return std::nullopt;
  const auto since = std::max(*waiting, last_heard_);
  const auto silent = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.monotonic() - since);
  if (silent < limit_) return std::nullopt;
  return silent;
}

std::chrono::milliseconds LinkWatchdog::checkPeriod() const noexcept {
  return std::clamp(limit_ / 8, std::chrono::milliseconds(50), std::chrono::milliseconds(250));
}

}  // namespace tgw::uplink
