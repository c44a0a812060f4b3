// sources: a list of hardware / simulated inputs, each parsed by its type.
#include <functional>
#include <map>
#include <set>

#include <fmt/format.h>

#include "config/sections.hpp"

namespace tgw::config {

void parseCanSource(MapReader& r, SourceConfig& out);  // source_can.cpp: socketcan, slcan, candump
void parseNmeaSource(MapReader& r, SourceConfig& out);    // source_serial.cpp
void parseModbusSource(MapReader& r, SourceConfig& out);  // source_serial.cpp: modbus_tcp, modbus_rtu
void parseModemSource(MapReader& r, SourceConfig& out);   // source_serial.cpp

namespace {

void parseSimulator(MapReader& r, SourceConfig& out) {
  auto& s = out.simulator;
  s.seed = static_cast<std::uint64_t>(r.integer("seed", static_cast<std::int64_t>(s.seed), 0,
                                                std::numeric_limits<std::int64_t>::max()));
  MapReader v = r.map("vehicle");
  s.vehicle = v.present() ? v.boolean("enabled", true) : false;
  s.vehicle_rate_hz = v.number("rate_hz", s.vehicle_rate_hz, 0.1, 1000);
  s.harsh_braking_every_s = v.number("harsh_braking_every_s", s.harsh_braking_every_s, 0, 86400);
  v.finish();
  MapReader b = r.map("battery");
  s.battery = b.present() ? b.boolean("enabled", true) : false;
  s.battery_rate_hz = b.number("rate_hz", s.battery_rate_hz, 0.01, 100);
  s.battery_modules = static_cast<int>(b.integer("modules", s.battery_modules, 1, 64));
  b.finish();
  s.meter_rate_hz = r.number("meter_rate_hz", s.meter_rate_hz, 0.01, 100);
  const YAML::Node meters = r.child("meters");
  if (meters.IsDefined() && !meters.IsNull()) {
    if (!meters.IsSequence()) {
      r.errorAt(meters, r.keyPath("meters"), "expected a list of meters ({node_id: ..., base_power_w: ...})");
    } else {
      std::set<std::string> seen;
      for (std::size_t i = 0; i < meters.size(); ++i) {
        MapReader m(r.diag(), meters[i], fmt::format("{}[{}]", r.keyPath("meters"), i));
        SimulatedMeter meter;
        meter.node_id = m.requiredStr("node_id");
        meter.base_power_w = m.number("base_power_w", meter.base_power_w, 0, 1e6);
        if (!meter.node_id.empty() && !seen.insert(meter.node_id).second) {
          m.errorKey("node_id", fmt::format("duplicate node_id '{}'", meter.node_id));
        }
        m.finish();
        s.meters.push_back(meter);
      }
    }
  }
}

using TypeParser = std::function<void(MapReader&, SourceConfig&)>;

const std::map<std::string, TypeParser>& typeParsers() {
  static const std::map<std::string, TypeParser> parsers = {
      {"simulator", parseSimulator},
      {"socketcan", parseCanSource},
      {"slcan", parseCanSource},
      {"candump", parseCanSource},
      {"nmea", parseNmeaSource},
      {"modbus_tcp", parseModbusSource},
      {"modbus_rtu", parseModbusSource},
      {"modem", parseModemSource},
  };
  return parsers;
}

}  // namespace

void parseSources(Diagnostics& diag, const YAML::Node& node, std::vector<SourceConfig>& out) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (!node.IsSequence()) {
    diag.error(lineOf(node), columnOf(node), "sources", "expected a list of sources (- name: ..., type: ...)");
    return;
  }
  std::set<std::string> names;
  for (std::size_t i = 0; i < node.size(); ++i) {
    MapReader r(diag, node[i], fmt::format("sources[{}]", i));
    if (!r.present()) continue;
    SourceConfig src;
    src.line = lineOf(node[i]);
    src.fingerprint = YAML::Dump(node[i]);
    src.name = r.requiredStr("name");
    if (!src.name.empty()) {
      const bool valid = src.name.find_first_of(". /+#") == std::string::npos;
      if (!valid) r.errorKey("name", fmt::format("'{}' must not contain '.', ' ', '/', '+' or '#'", src.name));
      if (!names.insert(src.name).second) r.errorKey("name", fmt::format("duplicate source name '{}'", src.name));
    }
    std::vector<std::string> types;
    for (const auto& [t, _] : typeParsers()) types.push_back(t);
    std::string typeList;
    for (const auto& t : types) typeList += (typeList.empty() ? "" : ", ") + t;
    src.type = r.requiredStr("type");
    auto it = typeParsers().find(src.type);
    if (it == typeParsers().end()) {
      if (!src.type.empty()) {
        std::string msg = fmt::format("unknown source type '{}' (known: {})", src.type, typeList);
        if (auto s = closestMatch(src.type, types)) msg += fmt::format(" (did you mean '{}'?)", *s);
        r.errorKey("type", msg);
      }
      r.allow({});
      out.push_back(std::move(src));
      continue;  // keys of an unknown type are not reported one by one
    }
    it->second(r, src);
    r.finish();
    out.push_back(std::move(src));
  }
}

}  // namespace tgw::config
