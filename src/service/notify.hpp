// sd-notify: READY=1, STATUS=, STOPPING=1, RELOADING=1, WATCHDOG=1.
// A no-op when NOTIFY_SOCKET is not set (not started by systemd).
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace tgw::service {

class Notifier {
 public:
  void ready();
  void status(const std::string& text);
  void stopping();
  void reloading();
  void reloaded();  // READY=1 after a reload
  void watchdog();
  // The watchdog interval requested by systemd (WatchdogSec=), if any.
  [[nodiscard]] static std::optional<std::chrono::microseconds> watchdogInterval();

 private:
  std::string last_status_;
};

}  // namespace tgw::service
