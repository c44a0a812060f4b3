// A named, normalized reading: what every source produces.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

namespace tgw {

using SignalValue = std::variant<double, bool, std::string>;

struct Signal {
  std::string name;        // e.g. "can.EEC1.EngineSpeed", "sim.vehicle.speed", "gps.lat"
  SignalValue value = 0.0;
  std::string unit;        // SI-ish unit text, e.g. "km/h", "rpm", "V", "degC"
  std::int64_t ts_ms = 0;  // wall-clock time of the reading, Unix ms
  int quality = 100;       // 0..100; 100 = fresh and valid

  [[nodiscard]] bool isNumber() const { return std::holds_alternative<double>(value); }
  [[nodiscard]] double number() const {
    if (auto* d = std::get_if<double>(&value)) return *d;
    if (auto* b = std::get_if<bool>(&value)) return *b ? 1.0 : 0.0;
    return 0.0;
  }
};

}  // namespace tgw
