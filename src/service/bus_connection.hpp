// An sd-bus connection driven by tgw::EventLoop: the bus fd is watched with
// EventLoop::watchFd (events re-read from sd_bus_get_events after every
// pass) and sd-bus's own timeouts with a one-shot timer. Loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "tgw/core/error.hpp"
#include "tgw/core/event_loop.hpp"

struct sd_bus;

namespace tgw::service {

class BusConnection {
 public:
  explicit BusConnection(EventLoop& loop);
  ~BusConnection();
  BusConnection(const BusConnection&) = delete;
  BusConnection& operator=(const BusConnection&) = delete;

  // Connect. `address` "" = the system bus (honours DBUS_SYSTEM_BUS_ADDRESS),
  // otherwise a D-Bus address such as "unix:path=/run/x/bus".
  Expected<void> open(const std::string& address);
  // Flush what is queued (bounded by the local socket) and close. Idempotent.
  void close();
  [[nodiscard]] bool isOpen() const { return bus_ != nullptr; }
  [[nodiscard]] sd_bus* bus() const { return bus_; }
  [[nodiscard]] const std::string& description() const { return description_; }

  // Called (on the loop thread) when the bus connection is lost, with a
  // reason; the connection is already closed then.
  void setOnLost(std::function<void(const std::string&)> on_lost) { on_lost_ = std::move(on_lost); }

  // Re-read the events/timeout sd-bus wants; call after sending outside a bus
  // callback (e.g. emitting a signal from a timer) so pending output is written.
  void kick();

 private:
  void process();
  void rearm(bool more);
  void lost(const std::string& reason);

  EventLoop& loop_;
  sd_bus* bus_ = nullptr;
  int fd_ = -1;
  std::uint32_t io_events_ = 0;
  Registration io_;
  Registration timer_;
  std::string description_;
  std::function<void(const std::string&)> on_lost_;
};

}  // namespace tgw::service
