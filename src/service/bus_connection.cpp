#include "service/bus_connection.hpp"

#include <poll.h>
#include <sys/epoll.h>

#include <chrono>
#include <cstring>
#include <ctime>

#include <fmt/format.h>
#include <systemd/sd-bus.h>

#include "core/logging.hpp"

namespace tgw::service {
namespace {

// Messages handled per pass before the loop gets a turn (a flood of calls
// must not starve sources and the queue).
constexpr int kMaxPerPass = 64;

std::uint64_t monotonicUsec() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000U + static_cast<std::uint64_t>(ts.tv_nsec) / 1000U;
}

}  // namespace

BusConnection::BusConnection(EventLoop& loop) : loop_(loop) {}

BusConnection::~BusConnection() { close(); }

Expected<void> BusConnection::open(const std::string& address) {
  close();
  sd_bus* bus = nullptr;
  int r = 0;
  if (address.empty()) {
    r = sd_bus_open_system(&bus);
    const char* env = std::getenv("DBUS_SYSTEM_BUS_ADDRESS");
    description_ = env != nullptr ? fmt::format("system bus ({})", env) : "system bus";
  } else {
    description_ = address;
    r = sd_bus_new(&bus);
    if (r >= 0) r = sd_bus_set_address(bus, address.c_str());
    if (r >= 0) r = sd_bus_set_bus_client(bus, 1);
    if (r >= 0) r = sd_bus_start(bus);
  }
  if (r < 0) {
    sd_bus_unref(bus);
    return makeError(Errc::kUnavailable,
                     fmt::format("D-Bus: cannot connect to the {}: {}; is dbus running?", description_,
                                 std::strerror(-r)));
  }
  bus_ = bus;
  fd_ = sd_bus_get_fd(bus_);
  if (fd_ < 0) {
    const int err = -fd_;
    close();
    return makeError(Errc::kIo, fmt::format("D-Bus: no fd for the {}: {}", description_, std::strerror(err)));
  }
  rearm(false);
  return {};
}

void BusConnection::close() {
  io_.reset();
  timer_.reset();
  io_events_ = 0;
  fd_ = -1;
  if (bus_ != nullptr) {
    // Local socket: flushing the few queued replies/signals is quick.
    bus_ = sd_bus_flush_close_unref(bus_);
  }
}

void BusConnection::kick() {
  if (bus_ != nullptr) rearm(false);
}

void BusConnection::process() {
  if (bus_ == nullptr) return;
  bool more = false;
  for (int i = 0; i < kMaxPerPass; ++i) {
    const int r = sd_bus_process(bus_, nullptr);
    if (r < 0) {
      lost(fmt::format("D-Bus: connection to the {} lost: {}", description_, std::strerror(-r)));
      return;
    }
    if (r == 0) break;
    if (i == kMaxPerPass - 1) more = true;
  }
  rearm(more);
}

void BusConnection::rearm(bool more) {
  if (bus_ == nullptr) return;
  const int ev = sd_bus_get_events(bus_);
  if (ev < 0) {
    lost(fmt::format("D-Bus: connection to the {} closed: {}", description_, std::strerror(-ev)));
    return;
  }
  std::uint32_t events = 0;
  if ((ev & POLLIN) != 0) events |= EPOLLIN;
  if ((ev & POLLOUT) != 0) events |= EPOLLOUT;
  if (!io_.active() || events != io_events_) {
    // Drop the old watch first (epoll refuses a second watch of one fd).
    // Safe inside our own fd callback: sd-event defers freeing a source
    // that is being dispatched.
    io_.reset();
    io_ = loop_.watchFd(fd_, events, [this](std::uint32_t) { process(); });
    io_events_ = events;
  }
  std::uint64_t until = UINT64_MAX;
  if (more) {
    until = 0;
  } else if (sd_bus_get_timeout(bus_, &until) < 0) {
    until = UINT64_MAX;
  }
  if (until == UINT64_MAX) {
    timer_.reset();
    return;
  }
  const std::uint64_t now = monotonicUsec();
  const std::uint64_t delay_us = until > now ? until - now : 0;
  const auto delay = std::chrono::milliseconds((delay_us + 999) / 1000);
  timer_ = loop_.after(delay, [this] { process(); });
}

void BusConnection::lost(const std::string& reason) {
  io_.reset();
  timer_.reset();
  io_events_ = 0;
  fd_ = -1;
  if (bus_ != nullptr) bus_ = sd_bus_close_unref(bus_);
  if (on_lost_) on_lost_(reason);
}

}  // namespace tgw::service
