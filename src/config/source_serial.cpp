// Config of the serial-line sources (nmea, modbus_tcp, modbus_rtu, modem)
// and their signal catalog.
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "config/sections.hpp"
#include "decode/modbus/maps.hpp"     // header-only: built-in map field names
#include "decode/modbus/sunspec.hpp"  // kFieldNames (header-only constant)
#include "tgw/config/serial_config.hpp"
#include "tgw/config/source_config.hpp"

namespace tgw::config {
namespace {

const std::vector<std::string_view> kParities = {"N", "E", "O"};
const std::vector<std::string_view> kTables = {"holding", "input", "coil", "discrete"};
const std::vector<std::string_view> kTypes = {"u16", "s16", "u32", "s32", "u64", "s64", "f32", "f64", "bool", "string"};
const std::vector<std::string_view> kOrders = {"ABCD", "CDAB", "BADC", "DCBA"};
const std::vector<std::string_view> kMaps = {"", "sdm120", "sdm630", "pzem004t", "sunspec"};
constexpr int kBauds[] = {1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600};

bool validName(const std::string& n) { return !n.empty() && n.find_first_of(". /+#") == std::string::npos; }

void parsePort(MapReader& r, SerialPortConfig& p, int default_baud, bool required) {
  p.device = required ? r.requiredStr("device") : r.str("device", "");
  p.baud = static_cast<int>(r.integer("baud", default_baud, 300, 4000000));
  if (std::find(std::begin(kBauds), std::end(kBauds), p.baud) == std::end(kBauds)) {
    r.errorKey("baud", fmt::format("unsupported baud rate {} (use 1200 ... 921600)", p.baud));
  }
  p.data_bits = static_cast<int>(r.integer("data_bits", 8, 5, 8));
  p.parity = r.choice("parity", "N", kParities);
  p.stop_bits = static_cast<int>(r.integer("stop_bits", 1, 1, 2));
  p.reopen_max_ms = static_cast<int>(r.integer("reopen_max_ms", p.reopen_max_ms, 100, 3600000));
}

void parseNmea(MapReader& r, SourceConfig& out) {
  auto& n = out.nmea;
  n.replay_file = r.existingFile("replay_file");
  parsePort(r, n.port, 9600, n.replay_file.empty() && !r.has("replay_file"));
  n.replay_rate_hz = r.number("replay_rate_hz", n.replay_rate_hz, 0, 100000);
  n.replay_loop = r.boolean("replay_loop", n.replay_loop);
  if (!n.replay_file.empty() && !n.port.device.empty()) {
    r.errorKey("replay_file", "set either 'device' or 'replay_file', not both");
  }
}

ModbusRegisterConfig parseRegister(MapReader& m, const std::string& default_order) {
  ModbusRegisterConfig reg;
  reg.name = m.requiredStr("name");
  if (!reg.name.empty() && !validName(reg.name)) {
    m.errorKey("name", fmt::format("'{}' must not contain '.', ' ', '/', '+' or '#'", reg.name));
  }
  reg.table = m.choice("table", "holding", kTables);
  reg.address = static_cast<int>(m.integer("address", 0, 0, 65535));
  if (!m.has("address")) m.errorKey("address", "missing required key 'address'");
  reg.type = m.choice("type", (reg.table == "coil" || reg.table == "discrete") ? "bool" : "u16", kTypes);
  reg.order = m.choice("order", default_order, kOrders);
  reg.scale = m.number("scale", 1.0, -1e12, 1e12);
  reg.offset = m.number("offset", 0.0, -1e12, 1e12);
  reg.unit = m.str("unit", "");
  reg.length = static_cast<int>(m.integer("length", 0, 0, 125));
  if (reg.type == "string" && reg.length == 0) m.errorKey("length", "type string needs 'length' (registers)");
  const bool bits = reg.table == "coil" || reg.table == "discrete";
  if (bits && reg.type != "bool") m.errorKey("type", fmt::format("a {} is a single bit: use type bool", reg.table));
  return reg;
}

ModbusDeviceConfig parseDevice(MapReader& m, bool tcp) {
  ModbusDeviceConfig d;
  d.name = m.requiredStr("name");
  if (!d.name.empty() && !validName(d.name)) {
    m.errorKey("name", fmt::format("'{}' must not contain '.', ' ', '/', '+' or '#'", d.name));
  }
  d.unit_id = static_cast<int>(m.integer("unit_id", 1, tcp ? 0 : 1, tcp ? 255 : 247));
  d.map = m.choice("map", "", kMaps);
  d.order = m.choice("order", "ABCD", kOrders);
  d.interval_ms = static_cast<int>(m.integer("interval_ms", d.interval_ms, 10, 86400000));
  d.timeout_ms = static_cast<int>(m.integer("timeout_ms", d.timeout_ms, 10, 60000));
  d.retries = static_cast<int>(m.integer("retries", d.retries, 0, 10));
  d.backoff_max_ms = static_cast<int>(m.integer("backoff_max_ms", d.backoff_max_ms, 10, 86400000));
  d.max_gap = static_cast<int>(m.integer("max_gap", d.max_gap, -1, 120));
  const YAML::Node regs = m.child("registers");
  if (regs.IsDefined() && !regs.IsNull()) {
    if (!regs.IsSequence()) {
      m.errorAt(regs, m.keyPath("registers"), "expected a list of registers ({name, table, address, type, ...})");
    } else {
      std::set<std::string> seen;
      for (std::size_t i = 0; i < regs.size(); ++i) {
        MapReader rm(m.diag(), regs[i], fmt::format("{}[{}]", m.keyPath("registers"), i));
        auto reg = parseRegister(rm, d.order);
        if (!reg.name.empty() && !seen.insert(reg.name).second) {
          rm.errorKey("name", fmt::format("duplicate register name '{}'", reg.name));
        }
        rm.finish();
        d.registers.push_back(std::move(reg));
      }
    }
  }
  if (d.map.empty() && d.registers.empty()) {
    m.errorKey("map", "a device needs a built-in 'map' (sdm120, sdm630, pzem004t, sunspec) or 'registers'");
  }
  if (d.backoff_max_ms < d.interval_ms) d.backoff_max_ms = d.interval_ms;
  return d;
}

void parseDevices(MapReader& r, ModbusConfig& c, bool tcp) {
  const YAML::Node devs = r.child("devices");
  if (!devs.IsDefined() || devs.IsNull() || !devs.IsSequence() || devs.size() == 0) {
    r.errorKey("devices", "expected a non-empty list of devices (- name: ..., unit_id: ..., map: ...)");
    return;
  }
  std::set<std::string> names;
  for (std::size_t i = 0; i < devs.size(); ++i) {
    MapReader m(r.diag(), devs[i], fmt::format("{}[{}]", r.keyPath("devices"), i));
    auto d = parseDevice(m, tcp);
    if (!d.name.empty() && !names.insert(d.name).second) {
      m.errorKey("name", fmt::format("duplicate device name '{}'", d.name));
    }
    m.finish();
    c.devices.push_back(std::move(d));
  }
}

}  // namespace

void parseNmeaSource(MapReader& r, SourceConfig& out) { parseNmea(r, out); }

void parseModbusSource(MapReader& r, SourceConfig& out) {
  auto& c = out.modbus;
  const bool tcp = out.type == "modbus_tcp";
  c.transport = tcp ? "tcp" : "rtu";
  if (tcp) {
    c.host = r.requiredStr("host");
    c.port = static_cast<int>(r.integer("port", 502, 1, 65535));
  } else {
    parsePort(r, c.serial, 9600, true);
  }
  parseDevices(r, c, tcp);
}

void parseModemSource(MapReader& r, SourceConfig& out) {
  auto& m = out.modem;
  parsePort(r, m.port, 115200, true);
  m.poll_interval_ms = static_cast<int>(r.integer("poll_interval_ms", m.poll_interval_ms, 100, 86400000));
  m.command_timeout_ms = static_cast<int>(r.integer("command_timeout_ms", m.command_timeout_ms, 50, 600000));
  m.backoff_max_ms = static_cast<int>(r.integer("backoff_max_ms", m.backoff_max_ms, 100, 86400000));
  m.gnss = r.boolean("gnss", m.gnss);
  m.gnss_interval_ms = static_cast<int>(r.integer("gnss_interval_ms", m.gnss_interval_ms, 100, 86400000));
  m.cpsi = r.boolean("cpsi", m.cpsi);
}

std::optional<std::vector<std::string>> serialSignalCatalog(const SourceConfig& source) {
  std::vector<std::string> local;
  if (source.type == "nmea") {
    local = {"lat", "lon", "alt", "speed", "course", "fix", "satellites", "hdop", "utc_ms"};
  } else if (source.type == "modbus_tcp" || source.type == "modbus_rtu") {
    for (const auto& d : source.modbus.devices) {
      local.push_back(d.name + ".online");
      if (d.map == "sunspec") {
        for (const char* f : decode::modbus::sunspec::kFieldNames) local.push_back(d.name + "." + f);
      } else if (auto map = decode::modbus::builtinMap(d.map)) {
        for (const auto& f : map->fields) local.push_back(d.name + "." + f.name);
      }
      for (const auto& reg : d.registers) local.push_back(d.name + "." + reg.name);
    }
  } else if (source.type == "modem") {
    local = {"online", "rssi_dbm", "ber", "registered", "registration", "gsm_registered", "gsm_registration",
             "operator", "iccid"};
    if (source.modem.cpsi) local.insert(local.end(), {"network", "rsrp_dbm", "rsrq_db", "snr_db"});
    if (source.modem.gnss) {
      for (const char* f : {"lat", "lon", "alt", "speed", "course", "fix", "satellites", "hdop"}) {
        local.push_back(std::string("gps.") + f);
      }
    }
  } else {
    return std::nullopt;
  }
  std::vector<std::string> names;
  for (const auto& l : local) names.push_back(source.name + "." + l);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

}  // namespace tgw::config
