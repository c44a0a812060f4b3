// The client side of the D-Bus API, for `telemetry-gateway status` and
// `tail`: connects to the bus, asks the daemon, never hangs (every call is
// bounded by a timeout). Errors are values with plain-words messages; the
// command line turns every one of them into exit code 3.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "service/status_report.hpp"
#include "tgw/core/error.hpp"

namespace tgw::service {

struct ClientOptions {
  // "system" (DBUS_SYSTEM_BUS_ADDRESS honoured), "session", or a D-Bus
  // address such as "unix:path=/run/x/bus".
  std::string bus = "system";
  std::chrono::milliseconds timeout{5000};  // each D-Bus call
};

// Reads the daemon's Status property. Errors: kUnavailable (no bus, daemon
// not running), kPermission (the bus policy refused), kTimeout (no answer),
// kUnsupported (a daemon without the Status property), kParse.
Expected<nlohmann::json> fetchStatus(const ClientOptions& options);

struct TailFilter {
  std::optional<std::string> cls;    // message class name
  std::optional<std::string> topic;  // MQTT topic filter (+, #)
};

// Follows the Published signal and calls `on_event` for each matching
// message until it returns false, `max_events` (> 0) were delivered, or
// `duration` (> 0) passed. `on_note` gets one-line notes (started, daemon
// went away / came back). Fails (kUnavailable ...) if the bus cannot be
// reached or the daemon is not running when it starts.
Expected<void> followPublished(const ClientOptions& options, const TailFilter& filter,
                               const std::function<bool(const PublishedEvent&)>& on_event,
                               const std::function<void(const std::string&)>& on_note, std::uint64_t max_events = 0,
                               std::chrono::milliseconds duration = std::chrono::milliseconds(0));

}  // namespace tgw::service
