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
  void status(const std::string& text);  // sent only when it changed
  void stopping();
  // RELOADING=1 with MONOTONIC_USEC= (what systemd ≥ 253 Type=notify-reload
  // expects; older systemd ignores the extra field).
  void reloading();
  void reloaded();  // READY=1 after a reload
  void watchdog();
  // EXTEND_TIMEOUT_USEC=: ask systemd for more time (a long shutdown flush).
  void extendTimeout(std::chrono::microseconds more);
  // Any other assignment(s), e.g. "ERRNO=5"; newline-separated.
  void send(const std::string& assignments);
  // The watchdog interval requested by systemd (WatchdogSec=), if any.
  [[nodiscard]] static std::optional<std::chrono::microseconds> watchdogInterval();

 private:
  std::string last_status_;
};

}  // namespace tgw::service
