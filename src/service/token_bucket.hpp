// A token bucket: `rate` tokens per second, at most `burst` saved up. Time is
// passed in (monotonic), so it is deterministic under test.
#pragma once

#include <algorithm>
#include <chrono>

#include "tgw/core/clock.hpp"

namespace tgw::service {

class TokenBucket {
 public:
  TokenBucket(double rate_per_s, double burst, MonoTime now)
      : rate_(rate_per_s), burst_(std::max(1.0, burst)), tokens_(burst_), last_(now) {}

  // Take one token if there is one.
  bool take(MonoTime now) {
    refill(now);
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
  }

  [[nodiscard]] double tokens(MonoTime now) {
    refill(now);
    return tokens_;
  }

  [[nodiscard]] MonoTime lastUse() const { return last_; }

 private:
  void refill(MonoTime now) {
    if (now <= last_) return;
    const double elapsed = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
    last_ = now;
  }

  double rate_;
  double burst_;
  double tokens_;
  MonoTime last_;
};

}  // namespace tgw::service
