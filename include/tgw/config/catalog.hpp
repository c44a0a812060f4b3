// Which signal names a configured source will produce, so that profile
// bindings can be checked by check-config without opening hardware.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tgw/config/source_config.hpp"

namespace tgw::config {

// nullopt: the source's names are not known statically (not checked).
std::optional<std::vector<std::string>> signalCatalog(const SourceConfig& source);

// Names of the simulator's signals, "<source>.vehicle.speed" etc.
namespace sim {
std::string vehicle(const std::string& source, const std::string& field);
std::string battery(const std::string& source, const std::string& field);
std::string batteryModuleTemp(const std::string& source, int module);  // 1-based
std::string meter(const std::string& source, const std::string& node, const std::string& metric);
inline constexpr const char* kVehicleFields[] = {"speed", "engine_rpm", "throttle", "fuel_level", "gps.lat",
                                                 "gps.lon", "gps.speed", "battery_voltage"};
inline constexpr const char* kBatteryFields[] = {"voltage", "current", "power_kw", "soc", "soh",
                                                 "cell_voltage_max", "cell_voltage_min"};
inline constexpr const char* kMeterMetrics[] = {"power", "voltage", "current", "energy",
                                                "power_factor", "frequency", "temperature"};
}  // namespace sim

}  // namespace tgw::config
