#include "tgw/config/catalog.hpp"

#include <fmt/format.h>

namespace tgw::config {

namespace sim {
std::string vehicle(const std::string& source, const std::string& field) {
  return fmt::format("{}.vehicle.{}", source, field);
}
std::string battery(const std::string& source, const std::string& field) {
  return fmt::format("{}.bess.{}", source, field);
}
std::string batteryModuleTemp(const std::string& source, int module) {
  return fmt::format("{}.bess.module{}.temperature", source, module);
}
std::string meter(const std::string& source, const std::string& node, const std::string& metric) {
  return fmt::format("{}.meter.{}.{}", source, node, metric);
}
}  // namespace sim

std::optional<std::vector<std::string>> signalCatalog(const SourceConfig& source) {
  if (isCanSourceType(source.type)) return canSignalCatalog(source);  // src/config/source_can.cpp
  if (auto serial = serialSignalCatalog(source)) return serial;       // src/config/source_serial.cpp
  if (source.type != "simulator") return std::nullopt;
  std::vector<std::string> names;
  const auto& s = source.simulator;
  if (s.vehicle) {
    for (const char* f : sim::kVehicleFields) names.push_back(sim::vehicle(source.name, f));
  }
  if (s.battery) {
    for (const char* f : sim::kBatteryFields) names.push_back(sim::battery(source.name, f));
    for (int m = 1; m <= s.battery_modules; ++m) names.push_back(sim::batteryModuleTemp(source.name, m));
  }
  for (const auto& meter : s.meters) {
    for (const char* f : sim::kMeterMetrics) names.push_back(sim::meter(source.name, meter.node_id, f));
  }
  return names;
}

}  // namespace tgw::config
