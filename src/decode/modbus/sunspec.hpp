// SunSpec discovery: find the "SunS" marker (40000, 0 or 50000), walk the
// model chain (id, length ...) to the end marker 0xFFFF, and build fields
// for the models we know: 1 (common), 103 (three-phase inverter), 124
// (basic storage), 802 (battery base). Other models are skipped.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "decode/modbus/plan.hpp"

namespace tgw::decode::modbus::sunspec {

inline constexpr std::uint16_t kMarkerHi = 0x5375;  // "Su"
inline constexpr std::uint16_t kMarkerLo = 0x6E53;  // "nS"
inline constexpr std::uint16_t kEndModel = 0xFFFF;
inline constexpr std::uint16_t kBases[] = {40000, 0, 50000};

struct Model {
  std::uint16_t id = 0;
  std::uint16_t start = 0;   // address of the model's ID register
  std::uint16_t length = 0;  // registers after ID and L
};

// Reads `count` holding registers at `address` (blocking I/O lives in the caller).
using ReadFn = std::function<Expected<std::vector<std::uint16_t>>(std::uint16_t address, std::uint16_t count)>;

struct Discovery {
  std::uint16_t base = 0;
  std::vector<Model> models;  // every model found, known or not
  std::vector<Field> fields;  // fields of the known models
};

Expected<Discovery> discover(const ReadFn& read, int max_models = 64);

// Fields of one known model whose ID register is at `start` (empty for unknown ids).
// Names: model 1 "manufacturer", "model", "serial"; 103 "ac_current", "ac_voltage_an" ...,
// "power", "frequency", "energy", "dc_power", "temperature", "state"; 124 "storage_*";
// 802 "battery_soc", "battery_soh", "battery_voltage", "battery_current", "battery_power" ...
std::vector<Field> modelFields(std::uint16_t id, std::uint16_t start);
// Every name modelFields() can produce (computed).
std::vector<std::string> allFieldNames();
// The same list as a header-only constant, for the config checker (which does
// not link the Modbus code); a unit test keeps the two equal.
inline constexpr const char* kFieldNames[] = {
    "manufacturer", "model", "version", "serial",
    "ac_current", "ac_current_a", "ac_current_b", "ac_current_c", "ac_voltage_an", "ac_voltage_bn",
    "ac_voltage_cn", "power", "frequency", "apparent_power", "reactive_power", "power_factor", "energy",
    "dc_current", "dc_voltage", "dc_power", "temperature", "state",
    "storage_max_charge_power", "storage_min_reserve", "storage_soc", "storage_available",
    "storage_battery_voltage", "storage_charge_status", "storage_discharge_rate", "storage_charge_rate",
    "battery_capacity_ah", "battery_capacity_wh", "battery_soc", "battery_dod", "battery_soh", "battery_cycles",
    "battery_charge_status", "battery_state", "battery_voltage", "battery_voltage_max", "battery_voltage_min",
    "battery_cell_voltage_max", "battery_cell_voltage_min", "battery_cell_voltage_avg", "battery_current",
    "battery_power"};
bool knownModel(std::uint16_t id);

}  // namespace tgw::decode::modbus::sunspec
