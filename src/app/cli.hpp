// Command line: telemetry-gateway run | check-config | version | queue ...
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace tgw::app {

// Exit codes (documented in --help, README and telemetry-gateway(8)).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUnavailable = 3;  // status/tail: the daemon cannot be asked (not running, no bus, denied)
inline constexpr int kExitUsage = 64;   // EX_USAGE: bad command line
inline constexpr int kExitConfig = 78;  // EX_CONFIG: configuration error

inline constexpr const char* kDefaultConfig = "/etc/telemetry-gateway/gateway.yaml";

struct CliOptions {
  std::string command;  // run | check-config | version | queue-stats | queue-peek | queue-purge | status | tail
  std::string config_path = kDefaultConfig;
  std::optional<std::string> log_level;  // overrides logging.level
  double seconds = 0;                    // run: stop after N seconds (0 = until signalled)
  bool json = false;                     // queue stats --json
  int peek_count = 10;                   // queue peek -n
  std::optional<std::string> purge_class;  // queue purge --class
  std::string bus = "system";              // status/tail --bus: system | session | <D-Bus address>
  std::optional<std::string> tail_class;   // tail --class
  std::optional<std::string> tail_topic;   // tail --topic (MQTT filter)
  std::uint64_t tail_count = 0;            // tail -n: stop after N messages (0 = follow)
  double tail_seconds = 0;                 // tail --seconds: stop after N s (0 = follow)
};

struct CliResult {
  std::optional<CliOptions> options;  // set when a command should run
  int exit_code = kExitOk;            // when options is empty: exit with this (help, usage error)
};

// Parses argv. Help and usage errors are written to `out` / `err`.
CliResult parseCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace tgw::app
