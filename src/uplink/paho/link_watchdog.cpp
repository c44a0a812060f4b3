#include "uplink/paho/link_watchdog.hpp"

#include <algorithm>

namespace tgw::uplink {

LinkWatchdog::LinkWatchdog(const Clock& clock, int keepalive_s)
    : clock_(clock), limit_(std::chrono::seconds(std::max(0, keepalive_s))), last_heard_(clock.monotonic()) {}

void LinkWatchdog::connected() {
  last_heard_ = clock_.monotonic();
  busy_since_.reset();
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

std::optional<std::chrono::milliseconds> LinkWatchdog::expired() const {
  if (limit_.count() <= 0 || !busy_since_) return std::nullopt;
  const auto since = std::max(*busy_since_, last_heard_);
  const auto silent = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.monotonic() - since);
  if (silent < limit_) return std::nullopt;
  return silent;
}

std::chrono::milliseconds LinkWatchdog::checkPeriod() const noexcept {
  return std::clamp(limit_ / 8, std::chrono::milliseconds(50), std::chrono::milliseconds(250));
}

int LinkWatchdog::pahoKeepAlive(int keepalive_s) noexcept {
  if (keepalive_s <= 0) return 0;
  return std::max(1, keepalive_s / 2);
}

}  // namespace tgw::uplink
