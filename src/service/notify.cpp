#include "service/notify.hpp"

#include <time.h>

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

void Notifier::reloading() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  const auto usec = static_cast<unsigned long long>(ts.tv_sec) * 1000000ULL +
                    static_cast<unsigned long long>(ts.tv_nsec) / 1000ULL;
  sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu", usec);
}

void Notifier::reloaded() { sd_notify(0, "READY=1"); }
void Notifier::watchdog() { sd_notify(0, "WATCHDOG=1"); }

void Notifier::extendTimeout(std::chrono::microseconds more) {
  sd_notifyf(0, "EXTEND_TIMEOUT_USEC=%lld", static_cast<long long>(more.count()));
}

void Notifier::send(const std::string& assignments) { sd_notify(0, assignments.c_str()); }

std::optional<std::chrono::microseconds> Notifier::watchdogInterval() {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) return std::chrono::microseconds(usec);
  return std::nullopt;
}

}  // namespace tgw::service
