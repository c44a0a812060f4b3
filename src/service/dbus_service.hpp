// The D-Bus API (docs/operations.md "D-Bus API"): bus name and interface
// io.telemetrygateway.Gateway1, object /io/telemetrygateway/Gateway1.
// Read-only properties with PropertiesChanged (Status: the whole picture as
// JSON, for `telemetry-gateway status`), methods Publish(class, json) -> seq,
// Flush(), Reconnect(), and the signal Published (what the daemon publishes,
// rate-bounded, for `telemetry-gateway tail`). Who may call methods is decided by the bus
// policy (packaging/dbus/io.telemetrygateway.Gateway1.conf); bad input and
// floods get a clear D-Bus error and are counted. Loop thread only.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "service/bus_connection.hpp"
#include "service/recent_log.hpp"
#include "service/token_bucket.hpp"
#include "tgw/core/clock.hpp"
#include "tgw/core/error.hpp"
#include "tgw/core/event_loop.hpp"
#include "tgw/service/daemon_control.hpp"

struct sd_bus_slot;

namespace tgw::service {

inline constexpr const char* kDbusName = "io.telemetrygateway.Gateway1";
inline constexpr const char* kDbusPath = "/io/telemetrygateway/Gateway1";
inline constexpr const char* kDbusInterface = "io.telemetrygateway.Gateway1";
// Error names: kDbusErrorPrefix + "InvalidJson" | "UnknownClass" |
// "RateLimited" | "TooLarge" | "NotSupported" | "QueueFull" | "Unavailable" | "Failed".
inline constexpr const char* kDbusErrorPrefix = "io.telemetrygateway.Gateway1.Error.";

struct DbusOptions {
  std::string address;                             // "" = the system bus (DBUS_SYSTEM_BUS_ADDRESS honoured)
  std::chrono::milliseconds refresh_period{1000};  // snapshot compared, PropertiesChanged sent
  double publish_rate_per_s = 100;                 // Publish calls per second, all callers together (token bucket)
  double publish_burst = 200;                      // calls that may arrive at once
  std::size_t max_payload_bytes = 64 * 1024;
  std::chrono::milliseconds retry_period{10000};  // reconnect to the bus after it went away
  double published_rate_per_s = 50;               // Published signals per second (tail); the rest counted as skipped
  double published_burst = 100;
  std::size_t published_payload_bytes = 200;  // payload abbreviated to this in the signal
};

// Counted by outcome; also the properties CallsAccepted / CallsRejected.
struct DbusCounters {
  std::uint64_t accepted = 0;  // method calls that succeeded
  std::uint64_t invalid_json = 0;
  std::uint64_t unknown_class = 0;
  std::uint64_t rate_limited = 0;
  std::uint64_t too_large = 0;
  std::uint64_t failed = 0;  // the daemon refused (queue full, unsupported, stopping ...)
  [[nodiscard]] std::uint64_t rejected() const {
    return invalid_json + unknown_class + rate_limited + too_large + failed;
  }
};

class DbusService {
 public:
  DbusService(EventLoop& loop, DaemonControl& control, const Clock& clock, DbusOptions options = {});
  ~DbusService();
  DbusService(const DbusService&) = delete;
  DbusService& operator=(const DbusService&) = delete;

  // Connect, export the object and own the bus name. An error (no bus, name
  // denied by policy) leaves the daemon running without the API; the caller
  // logs it as a warning.
  Expected<void> start();
  // Release the name and close (idempotent).
  void stop();
  // Take a snapshot now and send PropertiesChanged for what changed (also
  // done every refresh_period).
  void refresh();

  // A message the daemon hands to the queue / uplink: sent as the signal
  // Published (class, topic, qos, retain, size, payload abbreviated, time_ms,
  // skipped) while the bus is up, at most published_rate_per_s; messages over
  // the rate are counted and reported in the next signal's `skipped`.
  void notePublished(const Message& message);

  // The JSON of the Status property (also used by tests).
  [[nodiscard]] std::string statusJson();

  [[nodiscard]] bool running() const { return bus_.isOpen(); }
  [[nodiscard]] const DbusCounters& counters() const { return counters_; }

  struct Handlers;  // the sd-bus C callbacks (dbus_service.cpp)

 private:
  friend struct Handlers;
  const DaemonSnapshot& current();
  void scheduleRetry(const std::string& reason);
  bool allowPublish();
  void trackSources(const DaemonSnapshot& snapshot);

  EventLoop& loop_;
  DaemonControl& control_;
  const Clock& clock_;
  DbusOptions options_;
  BusConnection bus_;
  sd_bus_slot* vtable_slot_ = nullptr;
  Registration refresh_timer_;
  Registration retry_timer_;
  DaemonSnapshot snapshot_;  // the latest, read by property getters
  DaemonSnapshot emitted_;   // what the last PropertiesChanged announced
  MonoTime snapshot_at_{};
  bool have_snapshot_ = false;
  DbusCounters counters_;
  DbusCounters emitted_counters_;
  TokenBucket publish_bucket_;
  TokenBucket signal_bucket_;
  std::uint64_t signals_sent_ = 0;
  std::uint64_t signals_skipped_ = 0;  // over the rate, total
  std::uint64_t skipped_pending_ = 0;  // over the rate since the last signal
  MonoTime started_at_{};
  // Source name -> (state, Unix ms it was first seen in that state).
  std::map<std::string, std::pair<std::string, std::int64_t>> source_since_;
  std::shared_ptr<RecentLogSink> recent_log_;
};

}  // namespace tgw::service
