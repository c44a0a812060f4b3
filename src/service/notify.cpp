#include "service/notify.hpp"

#include <systemd/sd-daemon.h>

namespace tgw::service {

void Notifier::ready() { sd_notify(0, "READY=1"); }

void Notifier::status(const std::string& text) {
  if (text == last_status_) return;
  last_status_ = text;
  const std::string msg = "STATUS=" + text;
  sd_notify(0, msg.c_str());
}

void Notifier::stopping() { sd_notify(0, "STOPPING=1"); }
void Notifier::reloading() { sd_notify(0, "RELOADING=1"); }
void Notifier::reloaded() { sd_notify(0, "READY=1"); }
void Notifier::watchdog() { sd_notify(0, "WATCHDOG=1"); }

std::optional<std::chrono::microseconds> Notifier::watchdogInterval() {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) return std::chrono::microseconds(usec);
  return std::nullopt;
}

}  // namespace tgw::service
