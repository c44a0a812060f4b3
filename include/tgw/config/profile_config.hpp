#pragma once

#include <map>
#include <string>
#include <vector>

namespace tgw::config {

// A profile field bound to a signal name, with optional conversion:
//   vehicle_speed: sim.vehicle.speed
//   vehicle_speed: { signal: can.CCVS1.WheelBasedVehicleSpeed, scale: 1.0, offset: 0 }
struct SignalBinding {
  std::string signal;
  double scale = 1.0;
  double offset = 0.0;
};

struct DtgConfig {
  bool enabled = false;
  std::string device_id;  // default: gateway.device_id
  int telemetry_interval_ms = 1000;
  int status_interval_s = 300;
  std::map<std::string, std::string> topics;          // telemetry, inference, alerts, status
  std::map<std::string, SignalBinding> signals;       // field -> signal
};

struct BessConfig {
  bool enabled = false;
  std::string device_id;
  int telemetry_interval_ms = 5000;
  std::map<std::string, std::string> topics;
  std::map<std::string, SignalBinding> signals;
  std::vector<std::string> module_temperatures;  // signal names (prefix match with '*')
};

struct HomesyncNode {
  std::string node_id;
  std::map<std::string, SignalBinding> metrics;  // power, voltage, ... -> signal
  std::string firmware;
};

struct HomesyncConfig {
  bool enabled = false;
  std::string home_id;
  int telemetry_interval_ms = 10000;
  int offline_after_s = 30;  // a node with no reading for this long is offline
  std::map<std::string, std::string> topics;
  std::vector<HomesyncNode> nodes;
};

struct ProfilesConfig {
  DtgConfig dtg;
  BessConfig bess;
  HomesyncConfig homesync;
};

}  // namespace tgw::config
