// Time is injected: everything that needs "now" takes a Clock.
#pragma once

#include <chrono>
#include <cstdint>

namespace tgw {

using WallTime = std::chrono::system_clock::time_point;
using MonoTime = std::chrono::steady_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time (may jump: NTP, RTC-less boot).
  [[nodiscard]] virtual WallTime now() const = 0;
  // Monotonic time for intervals and timeouts.
  [[nodiscard]] virtual MonoTime monotonic() const = 0;
};

class SystemClock final : public Clock {
 public:
  [[nodiscard]] WallTime now() const override { return std::chrono::system_clock::now(); }
  [[nodiscard]] MonoTime monotonic() const override { return std::chrono::steady_clock::now(); }
  static SystemClock& instance() {
    static SystemClock clock;
    return clock;
  }
};

inline std::int64_t toUnixMs(WallTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
inline WallTime fromUnixMs(std::int64_t ms) {
  return WallTime(std::chrono::milliseconds(ms));
}

}  // namespace tgw
