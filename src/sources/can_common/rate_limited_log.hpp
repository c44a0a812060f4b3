// At most one log line per key and period; the lines suppressed meanwhile are
// counted and reported with the next one ("... (37 more since the last report)").
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

#include "tgw/core/clock.hpp"

namespace tgw::sources::can {

class RateLimitedLog {
 public:
  RateLimitedLog(std::shared_ptr<spdlog::logger> logger, const Clock& clock,
                 std::chrono::milliseconds period = std::chrono::seconds(10))
      : logger_(std::move(logger)), clock_(clock), period_(period) {}

  void log(spdlog::level::level_enum level, const std::string& key, const std::string& message);
  [[nodiscard]] spdlog::logger& logger() { return *logger_; }

 private:
  struct Entry {
    MonoTime last{};
    std::uint64_t suppressed = 0;
    bool seen = false;
  };
  std::shared_ptr<spdlog::logger> logger_;
  const Clock& clock_;
  std::chrono::milliseconds period_;
  std::map<std::string, Entry> entries_;
};

// Exponential backoff for reopening hardware: min, 2*min, ... capped at max.
class Backoff {
 public:
  Backoff(std::chrono::milliseconds min, std::chrono::milliseconds max) : min_(min), max_(max), next_(min) {}
  std::chrono::milliseconds next() {
    const auto d = next_;
    next_ = std::min(max_, next_ * 2);
    return d;
  }
  void reset() { next_ = min_; }

 private:
  std::chrono::milliseconds min_;
  std::chrono::milliseconds max_;
  std::chrono::milliseconds next_;
};

}  // namespace tgw::sources::can
