// profiles: dtg, bess, homesync — field bindings, topics and intervals.
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "config/sections.hpp"
#include "tgw/config/topics.hpp"

namespace tgw::config {
namespace {

const std::vector<std::string>& fieldsOf(std::string_view profile) {
  static const std::vector<std::string> kDtg = {"vehicle_speed", "engine_rpm", "throttle_position", "fuel_level",
                                                "gps_lat",       "gps_lon",    "gps_speed",         "battery_voltage"};
  static const std::vector<std::string> kBess = {"voltage", "current", "power_kw", "soc", "soh"};
  static const std::vector<std::string> kHomesync = {"power",        "voltage",   "current",    "energy",
                                                     "power_factor", "frequency", "temperature"};
  if (profile == "dtg") return kDtg;
  if (profile == "bess") return kBess;
  return kHomesync;
}

SignalBinding parseBinding(MapReader& parent, const YAML::Node& node, const std::string& path) {
  SignalBinding b;
  if (node.IsScalar()) {
    b.signal = node.Scalar();
    return b;
  }
  MapReader r(parent.diag(), node, path);
  if (!r.present()) return b;
  b.signal = r.requiredStr("signal");
  b.scale = r.number("scale", 1.0, -1e12, 1e12);
  b.offset = r.number("offset", 0.0, -1e12, 1e12);
  r.finish();
  return b;
}

std::map<std::string, SignalBinding> parseBindings(MapReader r, std::string_view profile) {
  std::map<std::string, SignalBinding> out;
  if (!r.present()) return out;
  const auto& fields = fieldsOf(profile);
  for (const auto& f : fields) {
    const YAML::Node n = r.child(f);
    if (!n.IsDefined() || n.IsNull()) continue;
    out[f] = parseBinding(r, n, r.keyPath(f));
  }
  r.finish();
  return out;
}

std::map<std::string, std::string> parseTopics(MapReader r, std::string_view profile) {
  std::map<std::string, std::string> out;
  for (const auto& key : topicKeys(profile)) {
    const std::string value = r.str(key.key, std::string(key.default_value));
    if (auto problem = checkTopicTemplate(value, key.placeholders)) r.errorKey(key.key, *problem);
    out[std::string(key.key)] = value;
  }
  r.finish();
  return out;
}

void parseDtg(MapReader r, DtgConfig& out) {
  out.enabled = r.present() && r.boolean("enabled", true);
  out.device_id = r.str("device_id", "");
  out.telemetry_interval_ms =
      static_cast<int>(r.integer("telemetry_interval_ms", out.telemetry_interval_ms, 100, 3600000));
  out.status_interval_s = static_cast<int>(r.integer("status_interval_s", out.status_interval_s, 1, 86400));
  out.topics = parseTopics(r.map("topics"), "dtg");
  out.signals = parseBindings(r.map("signals"), "dtg");
  r.finish();
}

void parseBess(MapReader r, BessConfig& out) {
  out.enabled = r.present() && r.boolean("enabled", true);
  out.device_id = r.str("device_id", "");
  out.telemetry_interval_ms =
      static_cast<int>(r.integer("telemetry_interval_ms", out.telemetry_interval_ms, 100, 3600000));
  out.topics = parseTopics(r.map("topics"), "bess");
  out.signals = parseBindings(r.map("signals"), "bess");
  out.module_temperatures = r.strList("module_temperatures");
  r.finish();
}

void parseHomesync(MapReader r, HomesyncConfig& out) {
  out.enabled = r.present() && r.boolean("enabled", true);
  out.home_id = r.present() && out.enabled ? r.requiredStr("home_id") : r.str("home_id", "");
  out.telemetry_interval_ms =
      static_cast<int>(r.integer("telemetry_interval_ms", out.telemetry_interval_ms, 100, 3600000));
  out.offline_after_s = static_cast<int>(r.integer("offline_after_s", out.offline_after_s, 1, 86400));
  out.topics = parseTopics(r.map("topics"), "homesync");
  const YAML::Node nodes = r.child("nodes");
  if (nodes.IsDefined() && !nodes.IsNull()) {
    if (!nodes.IsSequence()) {
      r.errorAt(nodes, r.keyPath("nodes"), "expected a list of nodes (- node_id: ..., metrics: {...})");
    } else {
      std::set<std::string> seen;
      for (std::size_t i = 0; i < nodes.size(); ++i) {
        MapReader n(r.diag(), nodes[i], fmt::format("{}[{}]", r.keyPath("nodes"), i));
        if (!n.present()) continue;
        HomesyncNode node;
        node.node_id = n.requiredStr("node_id");
        if (!node.node_id.empty()) {
          if (node.node_id.find_first_of("/+# ") != std::string::npos) {
            n.errorKey("node_id", fmt::format("'{}' must not contain '/', '+', '#' or spaces", node.node_id));
          }
          if (!seen.insert(node.node_id).second) n.errorKey("node_id", fmt::format("duplicate node_id '{}'", node.node_id));
        }
        node.firmware = n.str("firmware", "");
        node.metrics = parseBindings(n.map("metrics"), "homesync");
        n.finish();
        out.nodes.push_back(std::move(node));
      }
    }
  }
  if (out.enabled && out.nodes.empty()) r.errorKey("nodes", "homesync needs at least one node");
  r.finish();
}

}  // namespace

void parseProfiles(MapReader r, ProfilesConfig& out) {
  parseDtg(r.map("dtg"), out.dtg);
  parseBess(r.map("bess"), out.bess);
  parseHomesync(r.map("homesync"), out.homesync);
  r.finish();
}

}  // namespace tgw::config
