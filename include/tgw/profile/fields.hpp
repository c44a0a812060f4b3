// The fields of each profile (canonical unit, physical range, rounding) and
// the unit conversions a binding may ask for. Header-only: both the config
// checks and the profiles use it.
#pragma once

#include <array>
#include <optional>
#include <string_view>
#include <vector>

namespace tgw::profile {

struct FieldSpec {
  std::string_view name;
  std::string_view unit;  // canonical unit of the field ("" = dimensionless)
  double min;             // physical range: readings outside are dropped
  double max;
  int decimals;  // rounding in payloads
};

// kind: "dtg", "bess", "homesync" (metrics) or "homesync.status".
inline const std::vector<FieldSpec>& profileFields(std::string_view kind) {
  static const std::vector<FieldSpec> kDtg = {
      {"vehicle_speed", "km/h", 0, 400, 2}, {"engine_rpm", "rpm", 0, 20000, 0},  {"throttle_position", "%", 0, 100, 2},
      {"fuel_level", "%", 0, 100, 2},       {"gps_lat", "deg", -90, 90, 7},      {"gps_lon", "deg", -180, 180, 7},
      {"gps_speed", "km/h", 0, 400, 2},     {"battery_voltage", "V", 0, 100, 2},
  };
  static const std::vector<FieldSpec> kBess = {
      {"voltage", "V", 0, 2000, 3},
      {"current", "A", -10000, 10000, 3},
      {"power_kw", "kW", -20000, 20000, 3},
      {"soc", "%", 0, 100, 2},
      {"soh", "%", 0, 100, 2},
      {"cell_voltage_max", "V", 0, 10, 4},
      {"cell_voltage_min", "V", 0, 10, 4},
      {"module_temperature", "degC", -50, 200, 2},
  };
  static const std::vector<FieldSpec> kHomesync = {
      {"power", "W", -1e7, 1e7, 2},         {"voltage", "V", 0, 1000, 2},   {"current", "A", -1000, 1000, 3},
      {"energy", "kWh", 0, 1e9, 3},         {"power_factor", "", -1, 1, 3}, {"frequency", "Hz", 0, 1000, 3},
      {"temperature", "degC", -60, 200, 2},
  };
  static const std::vector<FieldSpec> kHomesyncStatus = {
      {"relay", "", 0, 1, 0},
      {"firmware", "", 0, 0, 0},
      {"rssi", "dBm", -150, 20, 0},
      {"uptime", "s", 0, 1e10, 0},
  };
  static const std::vector<FieldSpec> kNone;
  if (kind == "dtg") return kDtg;
  if (kind == "bess") return kBess;
  if (kind == "homesync") return kHomesync;
  if (kind == "homesync.status") return kHomesyncStatus;
  return kNone;
}

inline const FieldSpec* findField(std::string_view kind, std::string_view name) {
  for (const auto& f : profileFields(kind)) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

// A unit: value_in_base = value * factor + offset, within one dimension.
struct UnitSpec {
  std::string_view name;
  std::string_view dimension;
  double factor;
  double offset;
};

inline constexpr std::array<UnitSpec, 34> kUnits{{
    {"", "ratio", 1.0, 0},
    {"m/s", "speed", 1.0, 0},
    {"km/h", "speed", 1.0 / 3.6, 0},
    {"kph", "speed", 1.0 / 3.6, 0},
    {"mph", "speed", 0.44704, 0},
    {"kn", "speed", 0.514444, 0},
    {"ratio", "ratio", 1.0, 0},
    {"%", "ratio", 0.01, 0},
    {"‰", "ratio", 0.001, 0},
    {"permille", "ratio", 0.001, 0},
    {"degC", "temperature", 1, 0},
    {"°C", "temperature", 1, 0},
    {"C", "temperature", 1, 0},
    {"K", "temperature", 1, -273.15},
    {"degF", "temperature", 5.0 / 9.0, -160.0 / 9.0},
    {"W", "power", 1, 0},
    {"kW", "power", 1e3, 0},
    {"MW", "power", 1e6, 0},
    {"Wh", "energy", 1, 0},
    {"kWh", "energy", 1e3, 0},
    {"MWh", "energy", 1e6, 0},
    {"V", "voltage", 1, 0},
    {"mV", "voltage", 1e-3, 0},
    {"kV", "voltage", 1e3, 0},
    {"A", "current", 1, 0},
    {"mA", "current", 1e-3, 0},
    {"Hz", "frequency", 1, 0},
    {"rpm", "rotation", 1, 0},
    {"deg", "angle", 1, 0},
    {"dBm", "level", 1, 0},
    {"s", "time", 1, 0},
    {"ms", "time", 1e-3, 0},
    {"min", "time", 60, 0},
    {"h", "time", 3600, 0},
}};

inline const UnitSpec* findUnit(std::string_view name) {
  for (const auto& u : kUnits) {
    if (u.name == name) return &u;
  }
  return nullptr;
}

// Convert `value` from unit `from` to unit `to`. nullopt when either unit is
// unknown or they measure different things. Same name: unchanged.
inline std::optional<double> convertUnit(double value, std::string_view from, std::string_view to) {
  if (from == to) return value;
  const UnitSpec* f = findUnit(from);
  const UnitSpec* t = findUnit(to);
  if (f == nullptr || t == nullptr || f->dimension != t->dimension) return std::nullopt;
  const double base = value * f->factor + f->offset;
  return (base - t->offset) / t->factor;
}

}  // namespace tgw::profile
