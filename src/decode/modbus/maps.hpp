// Built-in register maps, selectable by name (header-only so that the
// config checker can list their signal names without linking Modbus code).
//
//   sdm120   Eastron SDM120 single-phase meter (input registers, f32 ABCD)
//   sdm630   Eastron SDM630 three-phase meter (input registers, f32 ABCD)
//   pzem004t PZEM-004T v3 (one read of 10 input registers; 32-bit values low word first)
//   sunspec  discovered at runtime from the "SunS" marker (see sunspec.hpp)
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "decode/modbus/plan.hpp"

namespace tgw::decode::modbus {

struct BuiltinMap {
  std::string name;
  std::vector<Field> fields;
  int max_gap = 0;  // holes the device tolerates inside one read
};

namespace detail {
inline Field eastron(const char* name, std::uint16_t address, const char* unit) {
  Field f;
  f.name = name;
  f.table = Table::kInput;
  f.address = address;
  f.type = Type::kF32;
  f.order = Order::kABCD;
  f.unit = unit;
  return f;
}
inline Field pzem(const char* name, std::uint16_t address, Type type, double scale, const char* unit) {
  Field f;
  f.name = name;
  f.table = Table::kInput;
  f.address = address;
  f.type = type;
  f.order = Order::kCDAB;  // 32-bit values: low word first
  f.scale = scale;
  f.unit = unit;
  return f;
}
}  // namespace detail

inline std::vector<std::string> builtinMapNames() { return {"sdm120", "sdm630", "pzem004t", "sunspec"}; }

// nullopt for unknown names and for "sunspec" (discovered, not fixed).
inline std::optional<BuiltinMap> builtinMap(std::string_view name) {
  using detail::eastron;
  if (name == "sdm120") {
    return BuiltinMap{"sdm120",
                      {eastron("voltage", 0x0000, "V"), eastron("current", 0x0006, "A"),
                       eastron("power", 0x000C, "W"), eastron("apparent_power", 0x0012, "VA"),
                       eastron("reactive_power", 0x0018, "var"), eastron("power_factor", 0x001E, ""),
                       eastron("frequency", 0x0046, "Hz"), eastron("energy_import", 0x0048, "kWh"),
                       eastron("energy_export", 0x004A, "kWh"), eastron("energy", 0x0156, "kWh")},
                      16};
  }
  if (name == "sdm630") {
    return BuiltinMap{"sdm630",
                      {eastron("voltage_l1", 0x0000, "V"), eastron("voltage_l2", 0x0002, "V"),
                       eastron("voltage_l3", 0x0004, "V"), eastron("current_l1", 0x0006, "A"),
                       eastron("current_l2", 0x0008, "A"), eastron("current_l3", 0x000A, "A"),
                       eastron("power_l1", 0x000C, "W"), eastron("power_l2", 0x000E, "W"),
                       eastron("power_l3", 0x0010, "W"), eastron("voltage", 0x002A, "V"),
                       eastron("current", 0x0030, "A"), eastron("power", 0x0034, "W"),
                       eastron("power_factor", 0x003E, ""), eastron("frequency", 0x0046, "Hz"),
                       eastron("energy_import", 0x0048, "kWh"), eastron("energy_export", 0x004A, "kWh"),
                       eastron("energy", 0x0156, "kWh")},
                      16};
  }
  if (name == "pzem004t") {
    using detail::pzem;
    return BuiltinMap{"pzem004t",
                      {pzem("voltage", 0x0000, Type::kU16, 0.1, "V"), pzem("current", 0x0001, Type::kU32, 0.001, "A"),
                       pzem("power", 0x0003, Type::kU32, 0.1, "W"), pzem("energy", 0x0005, Type::kU32, 0.001, "kWh"),
                       pzem("frequency", 0x0007, Type::kU16, 0.1, "Hz"),
                       pzem("power_factor", 0x0008, Type::kU16, 0.01, ""), pzem("alarm", 0x0009, Type::kU16, 1, "")},
                      0};
  }
  return std::nullopt;
}

}  // namespace tgw::decode::modbus
