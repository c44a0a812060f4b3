// The one-line status for STATUS= (systemctl status) and the progress log:
//   "connected mqtts://broker:8883 · queue 12 (oldest 3 s) · 1.2k msg/min"
// with " · dropped N" when N > 0 and " · <last error>" while not connected.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <utility>

#include "tgw/core/clock.hpp"
#include "tgw/service/daemon_control.hpp"

namespace tgw::service {

std::string statusLine(const DaemonSnapshot& s, double messages_per_minute);

// "3 s", "4 min", "2 h 5 min", "3 d"
std::string humanAge(std::int64_t ms);
// "0", "850", "1.2k", "12k", "1.5M"
std::string humanCount(double value);

// Rate of a growing counter (e.g. acked messages) over the last `window`.
class RateMeter {
 public:
  explicit RateMeter(std::chrono::seconds window = std::chrono::seconds(60)) : window_(window) {}
  void add(MonoTime now, std::uint64_t total);
  [[nodiscard]] double perMinute() const;

 private:
  std::chrono::seconds window_;
  std::deque<std::pair<MonoTime, std::uint64_t>> samples_;
};

}  // namespace tgw::service
