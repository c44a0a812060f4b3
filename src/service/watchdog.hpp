// The systemd watchdog: WATCHDOG=1 every half WatchdogSec, sent from an
// event-loop timer (so a wedged loop stops it) and only while every liveness
// check passes (e.g. the queue writer keeps committing). When a check fails
// the pings stop, systemd sees the watchdog expire and restarts the daemon.
// Loop thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "service/notify.hpp"
#include "tgw/core/clock.hpp"
#include "tgw/core/event_loop.hpp"

namespace tgw::service {

class Watchdog {
 public:
  // std::nullopt = healthy; otherwise why not (logged once when it starts failing).
  using Check = std::function<std::optional<std::string>()>;

  Watchdog(EventLoop& loop, Notifier& notifier);
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  void addCheck(std::string name, Check check);
  // Begin pinging every interval/2. `interval` defaults to what systemd asked
  // for (WATCHDOG_USEC / WATCHDOG_PID); returns false (and does nothing) if
  // no watchdog was requested.
  bool start(std::optional<std::chrono::microseconds> interval = Notifier::watchdogInterval());
  void stop();

  [[nodiscard]] std::uint64_t pings() const { return pings_; }
  [[nodiscard]] std::uint64_t misses() const { return misses_; }
  [[nodiscard]] bool healthy() const { return failing_.empty(); }

  // A check that fails when `pending()` is non-zero and `progress()` has not
  // changed for `stall` (e.g. pending = staged but uncommitted messages,
  // progress = the last committed seq).
  static Check progressCheck(std::function<std::uint64_t()> pending, std::function<std::uint64_t()> progress,
                             const Clock& clock, std::chrono::milliseconds stall);

 private:
  void tick();

  EventLoop& loop_;
  Notifier& notifier_;
  std::vector<std::pair<std::string, Check>> checks_;
  Registration timer_;
  std::string failing_;  // name of the failing check, "" when healthy
  std::uint64_t pings_ = 0;
  std::uint64_t misses_ = 0;
};

}  // namespace tgw::service
