// Typed configuration of the three built-in profiles (docs/profiles.md).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tgw::config {

// A profile field bound to a signal name, with optional conversion:
//   vehicle_speed: sim.vehicle.speed
//   vehicle_speed: { signal: can.CCVS1.WheelBasedVehicleSpeed, unit: m/s, scale: 1.0, offset: 0 }
// The field value is convert(raw * scale + offset, unit -> the field's unit).
struct SignalBinding {
  std::string signal;  // the real signal name (an alias is already resolved)
  std::string alias;   // the alias written in the YAML, if one was used
  double scale = 1.0;
  double offset = 0.0;
  std::string unit;           // unit of the (scaled) signal; empty: the signal's own unit
  std::optional<double> min;  // physical range; default per field (docs/profiles.md)
  std::optional<double> max;
};

// A threshold or rate-of-change rule. Threshold rules fire when the value is
// beyond `threshold` for `min_duration_ms` and clear when it is back beyond
// `clear` (hysteresis). Rate rules use the slope over `window_ms` (m/s²).
struct RuleConfig {
  bool enabled = true;
  double threshold = 0;
  double clear = 0;
  int min_duration_ms = 0;
  int window_ms = 0;     // rate rules only
  std::string severity;  // dtg: LOW|MEDIUM|HIGH|CRITICAL; bess: info|warning|critical
  int code = 0;          // bess alarm code
};

struct DtgRules {
  RuleConfig harsh_braking{true, -3.5, -2.5, 200, 1000, "HIGH", 0};
  RuleConfig harsh_acceleration{true, 3.0, 2.0, 200, 1000, "MEDIUM", 0};
  RuleConfig overspeed{true, 120.0, 115.0, 5000, 0, "MEDIUM", 0};
  RuleConfig over_rev{true, 4500.0, 4200.0, 2000, 0, "LOW", 0};
};

struct DtgConfig {
  bool enabled = false;
  std::string device_id;  // default: gateway.device_id
  int telemetry_interval_ms = 1000;
  int status_interval_s = 300;
  int stale_after_ms = 5000;                     // a field older than this is sent as null
  std::map<std::string, std::string> topics;     // telemetry, inference, alerts, status
  std::map<std::string, std::string> aliases;    // signal name -> alias usable in bindings
  std::map<std::string, SignalBinding> signals;  // field -> signal
  DtgRules rules;
};

struct BessRules {
  RuleConfig module_temp_warning{true, 45.0, 42.0, 5000, 0, "warning", 3001};
  RuleConfig module_temp_critical{true, 55.0, 52.0, 2000, 0, "critical", 3002};
  RuleConfig soc_low{true, 15.0, 20.0, 10000, 0, "warning", 2001};
  RuleConfig cell_voltage_deviation{true, 0.1, 0.08, 10000, 0, "warning", 2101};
};

struct BessLogsConfig {
  bool enabled = true;
  std::string level = "warning";  // info | warning | error
  double rate_per_s = 2.0;        // token bucket refill
  int burst = 20;
};

struct BessConfig {
  bool enabled = false;
  std::string device_id;
  int telemetry_interval_ms = 5000;
  int stale_after_ms = 30000;
  std::map<std::string, std::string> topics;
  std::map<std::string, std::string> aliases;
  std::map<std::string, SignalBinding> signals;
  std::vector<std::string> module_temperatures;  // signal names (prefix match with '*')
  BessRules rules;
  BessLogsConfig logs;
};

struct HomesyncNode {
  std::string node_id;
  std::map<std::string, SignalBinding> metrics;  // power, voltage, ... -> signal
  std::map<std::string, SignalBinding> status;   // relay, firmware, rssi, uptime -> signal
  std::string firmware;                          // static firmware version, if no signal
};

struct HomesyncConfig {
  bool enabled = false;
  std::string home_id;
  int telemetry_interval_ms = 10000;
  int stale_after_s = 15;       // older readings get a lower quality
  int offline_after_s = 30;     // a node with no reading for this long is offline
  int status_interval_s = 300;  // rssi re-sent at most this often
  std::map<std::string, std::string> topics;
  std::map<std::string, std::string> aliases;
  std::vector<HomesyncNode> nodes;
};

struct ProfilesConfig {
  DtgConfig dtg;
  BessConfig bess;
  HomesyncConfig homesync;
};

}  // namespace tgw::config
