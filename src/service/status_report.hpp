// `telemetry-gateway status` and `tail`: what the daemon puts in its D-Bus
// `Status` property (JSON, built on the daemon side so ages do not depend on
// the caller's clock) and how the command line prints it. Pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "service/recent_log.hpp"
#include "tgw/service/daemon_control.hpp"

namespace tgw::service {

// What the D-Bus service knows besides the snapshot.
struct StatusExtras {
  std::string version;
  std::int64_t now_ms = 0;                              // Unix ms
  std::int64_t uptime_ms = 0;                           // of the D-Bus service (~ the daemon)
  std::map<std::string, std::int64_t> source_since_ms;  // source name -> Unix ms its state began (as seen)
  std::uint64_t calls_accepted = 0;
  std::uint64_t calls_rejected = 0;
  std::uint64_t tail_signals = 0;     // Published signals sent
  std::uint64_t tail_suppressed = 0;  // not sent: over the signal rate limit
  std::vector<RecentLogLine> recent;  // last warnings/errors, oldest first
};

// The JSON document of the `Status` property (docs/operations.md "status --json").
nlohmann::json statusJson(const DaemonSnapshot& snapshot, const StatusExtras& extras);

// The readable summary printed by `telemetry-gateway status` (several lines,
// ends with a newline). Tolerates missing keys (older/newer daemons).
std::string formatStatus(const nlohmann::json& status);

// One message seen by `tail` (the D-Bus signal Published).
struct PublishedEvent {
  std::string cls;
  std::string topic;
  int qos = 0;
  bool retain = false;
  std::uint32_t size = 0;     // payload bytes
  std::string payload;        // abbreviated by the daemon
  std::int64_t time_ms = 0;   // Unix ms when the daemon produced it
  std::uint64_t skipped = 0;  // messages not signalled (rate limit) just before this one
};

// "22:41:07.123 telemetry  q0    58 B homesync/h1/nodes/n1/telemetry/power {"value":…}"
// or one JSON object per line with `json`. `width` cuts the payload (0 = no cut).
std::string formatTailLine(const PublishedEvent& e, bool json, std::size_t width = 0);

// The first `max_bytes` bytes of `payload` without splitting a UTF-8
// sequence, newlines and control characters replaced by spaces, "…" appended
// when cut.
std::string abbreviate(std::string_view payload, std::size_t max_bytes);

// "850 B", "3.4 KiB", "12 MiB"
std::string humanBytes(std::uint64_t bytes);

}  // namespace tgw::service
