#include "service/status_line.hpp"

#include <fmt/format.h>

namespace tgw::service {

std::string humanAge(std::int64_t ms) {
  const std::int64_t s = ms < 0 ? 0 : ms / 1000;
  if (s < 60) return fmt::format("{} s", s);
  if (s < 3600) return fmt::format("{} min", s / 60);
  if (s < 86400) {
    const std::int64_t min = (s % 3600) / 60;
    return min == 0 ? fmt::format("{} h", s / 3600) : fmt::format("{} h {} min", s / 3600, min);
  }
  return fmt::format("{} d", s / 86400);
}

std::string humanCount(double value) {
  if (value < 0) value = 0;
  if (value < 1000) return fmt::format("{:.0f}", value);
  if (value < 10000) return fmt::format("{:.1f}k", value / 1000);
  if (value < 1e6) return fmt::format("{:.0f}k", value / 1000);
  return fmt::format("{:.1f}M", value / 1e6);
}

std::string statusLine(const DaemonSnapshot& s, double messages_per_minute) {
  std::string line = s.broker.empty() ? s.connection_state : fmt::format("{} {}", s.connection_state, s.broker);
  line += fmt::format(" · queue {}", s.queue_depth);
  if (s.queue_depth > 0 && s.oldest_age_ms > 0) line += fmt::format(" (oldest {})", humanAge(s.oldest_age_ms));
  line += fmt::format(" · {} msg/min", humanCount(messages_per_minute));
  if (s.dropped > 0) line += fmt::format(" · dropped {}", s.dropped);
  if (!s.connected && !s.last_error.empty()) line += " · " + s.last_error;
  return line;
}

void RateMeter::add(MonoTime now, std::uint64_t total) {
  samples_.emplace_back(now, total);
  while (samples_.size() > 2 && now - samples_[1].first >= window_) samples_.pop_front();
}

double RateMeter::perMinute() const {
  if (samples_.size() < 2) return 0;
  const auto& [t0, v0] = samples_.front();
  const auto& [t1, v1] = samples_.back();
  const double secs = std::chrono::duration<double>(t1 - t0).count();
  if (secs <= 0 || v1 < v0) return 0;
  return static_cast<double>(v1 - v0) * 60.0 / secs;
}

}  // namespace tgw::service
