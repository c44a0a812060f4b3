// profiles: dtg, bess, homesync — field bindings (with units and aliases),
// topics, intervals and rules. Signal names are checked in validate.cpp.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "config/sections.hpp"
#include "tgw/config/topics.hpp"
#include "tgw/profile/fields.hpp"

namespace tgw::config {
namespace {

void checkUnit(MapReader& r, const std::string& unit, const profile::FieldSpec& field) {
  if (unit.empty()) return;
  if (profile::findUnit(unit) == nullptr) {
    std::vector<std::string> known;
    for (const auto& u : profile::kUnits) {
      if (!u.name.empty()) known.emplace_back(u.name);
    }
    std::string msg = fmt::format("unknown unit '{}'", unit);
    if (auto s = closestMatch(unit, known)) msg += fmt::format(" (did you mean '{}'?)", *s);
    r.errorKey("unit", msg);
    return;
  }
  if (!profile::convertUnit(1.0, unit, field.unit)) {
    r.errorKey("unit",
               fmt::format("unit '{}' cannot be converted to '{}', the unit of {}", unit, field.unit, field.name));
  }
}

// aliases: signal name -> alias; a binding naming an alias gets the signal.
void resolveAlias(SignalBinding& b, const std::map<std::string, std::string>& aliases) {
  for (const auto& [signal, alias] : aliases) {
    if (alias == b.signal) {
      b.alias = alias;
      b.signal = signal;
      return;
    }
  }
}

SignalBinding parseBinding(MapReader& parent, const YAML::Node& node, const std::string& path,
                           const profile::FieldSpec& field, const std::map<std::string, std::string>& aliases) {
  SignalBinding b;
  if (node.IsScalar()) {
    b.signal = node.Scalar();
    resolveAlias(b, aliases);
    return b;
  }
  MapReader r(parent.diag(), node, path);
  if (!r.present()) return b;
  b.signal = r.requiredStr("signal");
  b.scale = r.number("scale", 1.0, -1e12, 1e12);
  b.offset = r.number("offset", 0.0, -1e12, 1e12);
  b.unit = r.str("unit", "");
  checkUnit(r, b.unit, field);
  if (r.has("min")) b.min = r.number("min", 0, -1e15, 1e15);
  if (r.has("max")) b.max = r.number("max", 0, -1e15, 1e15);
  if (b.min && b.max && *b.min >= *b.max) {
    r.errorKey("max", fmt::format("max ({}) must be greater than min ({})", *b.max, *b.min));
  }
  if (b.scale == 0.0) r.errorKey("scale", "scale must not be 0");
  r.finish();
  resolveAlias(b, aliases);
  return b;
}

std::map<std::string, SignalBinding> parseBindings(MapReader r, std::string_view kind,
                                                   const std::map<std::string, std::string>& aliases) {
  std::map<std::string, SignalBinding> out;
  if (!r.present()) return out;
  for (const auto& f : profile::profileFields(kind)) {
    if (f.name == "module_temperature") continue;
    const std::string name(f.name);
    const YAML::Node n = r.child(name);
    if (!n.IsDefined() || n.IsNull()) continue;
    out[name] = parseBinding(r, n, r.keyPath(name), f, aliases);
  }
  r.finish();
  return out;
}

std::map<std::string, std::string> parseAliases(MapReader& parent) {
  std::map<std::string, std::string> out;
  const YAML::Node node = parent.child("aliases");
  if (!node.IsDefined() || node.IsNull()) return out;
  if (!node.IsMap()) {
    parent.errorAt(node, parent.keyPath("aliases"), "expected a mapping of signal name -> alias");
    return out;
  }
  std::set<std::string> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string key = it->first.Scalar();
    const std::string path = fmt::format("{}.{}", parent.keyPath("aliases"), key);
    if (!it->second.IsScalar() || it->second.Scalar().empty()) {
      parent.errorAt(it->second, path, "expected an alias name (a string)");
      continue;
    }
    const std::string alias = it->second.Scalar();
    if (alias.find_first_of(" \t/+#") != std::string::npos) {
      parent.errorAt(it->second, path, fmt::format("alias '{}' must not contain spaces, '/', '+' or '#'", alias));
      continue;
    }
    if (!seen.insert(alias).second) {
      parent.errorAt(it->second, path, fmt::format("alias '{}' is given to two signals", alias));
      continue;
    }
    out[key] = alias;
  }
  return out;
}

std::map<std::string, std::string> parseTopics(MapReader r, std::string_view profile) {
  std::map<std::string, std::string> out;
  for (const auto& key : topicKeys(profile)) {
    const std::string value = r.str(key.key, std::string(key.default_value));
    if (auto problem = checkTopicTemplate(value, key.placeholders)) {
      r.errorKey(key.key, *problem);
    } else if (auto missing = checkRequiredPlaceholders(value, key.required)) {
      r.errorKey(key.key, *missing);
    }
    out[std::string(key.key)] = value;
  }
  r.finish();
  return out;
}

enum class Dir { kAbove, kBelow };

// One rule: `name: {enabled, threshold, clear, min_duration_ms, window_ms, severity, code}`.
void parseRule(MapReader r, RuleConfig& rule, Dir dir, bool rate, bool bess) {
  if (!r.present()) return;
  rule.enabled = r.boolean("enabled", rule.enabled);
  rule.threshold = r.number("threshold", rule.threshold, -1e9, 1e9);
  rule.clear = r.number("clear", rule.clear, -1e9, 1e9);
  rule.min_duration_ms = static_cast<int>(r.integer("min_duration_ms", rule.min_duration_ms, 0, 3600000));
  if (rate) rule.window_ms = static_cast<int>(r.integer("window_ms", rule.window_ms, 100, 60000));
  if (bess) {
    rule.severity = r.choice("severity", rule.severity, {"info", "warning", "critical"});
    rule.code = static_cast<int>(r.integer("code", rule.code, 0, 999999));
  } else {
    rule.severity = r.choice("severity", rule.severity, {"LOW", "MEDIUM", "HIGH", "CRITICAL"});
  }
  if (dir == Dir::kAbove && rule.clear > rule.threshold) {
    r.errorKey("clear", fmt::format("clear ({}) must not be above threshold ({}): the rule fires above the "
                                    "threshold and clears below 'clear'",
                                    rule.clear, rule.threshold));
  }
  if (dir == Dir::kBelow && rule.clear < rule.threshold) {
    r.errorKey("clear", fmt::format("clear ({}) must not be below threshold ({}): the rule fires below the "
                                    "threshold and clears above 'clear'",
                                    rule.clear, rule.threshold));
  }
  if (rate && dir == Dir::kBelow && rule.threshold >= 0) {
    r.errorKey("threshold", fmt::format("threshold ({}) must be negative (a deceleration in m/s²)", rule.threshold));
  }
  if (rate && dir == Dir::kAbove && rule.threshold <= 0) {
    r.errorKey("threshold", fmt::format("threshold ({}) must be positive (an acceleration in m/s²)", rule.threshold));
  }
  r.finish();
}

void parseDtg(MapReader r, DtgConfig& out) {
  out.enabled = r.present() && r.boolean("enabled", true);
  out.device_id = r.str("device_id", "");
  out.telemetry_interval_ms =
      static_cast<int>(r.integer("telemetry_interval_ms", out.telemetry_interval_ms, 100, 3600000));
  out.status_interval_s = static_cast<int>(r.integer("status_interval_s", out.status_interval_s, 1, 86400));
  out.stale_after_ms = static_cast<int>(r.integer("stale_after_ms", out.stale_after_ms, 100, 86400000));
  out.topics = parseTopics(r.map("topics"), "dtg");
  out.aliases = parseAliases(r);
  out.signals = parseBindings(r.map("signals"), "dtg", out.aliases);
  MapReader rules = r.map("rules");
  parseRule(rules.map("harsh_braking"), out.rules.harsh_braking, Dir::kBelow, true, false);
  parseRule(rules.map("harsh_acceleration"), out.rules.harsh_acceleration, Dir::kAbove, true, false);
  parseRule(rules.map("overspeed"), out.rules.overspeed, Dir::kAbove, false, false);
  parseRule(rules.map("over_rev"), out.rules.over_rev, Dir::kAbove, false, false);
  rules.finish();
  r.finish();
}

void parseBessLogs(MapReader r, BessLogsConfig& out) {
  if (!r.present()) return;
  out.enabled = r.boolean("enabled", out.enabled);
  out.level = r.choice("level", out.level, {"info", "warning", "error"});
  out.rate_per_s = r.number("rate_per_s", out.rate_per_s, 0.01, 1000);
  out.burst = static_cast<int>(r.integer("burst", out.burst, 1, 10000));
  r.finish();
}

void parseBess(MapReader r, BessConfig& out) {
  out.enabled = r.present() && r.boolean("enabled", true);
  out.device_id = r.str("device_id", "");
  out.telemetry_interval_ms =
      static_cast<int>(r.integer("telemetry_interval_ms", out.telemetry_interval_ms, 100, 3600000));
  out.stale_after_ms = static_cast<int>(r.integer("stale_after_ms", out.stale_after_ms, 100, 86400000));
  out.topics = parseTopics(r.map("topics"), "bess");
  out.aliases = parseAliases(r);
  out.signals = parseBindings(r.map("signals"), "bess", out.aliases);
  out.module_temperatures = r.strList("module_temperatures");
  for (auto& name : out.module_temperatures) {
    for (const auto& [signal, alias] : out.aliases) {
      if (alias == name) name = signal;
    }
  }
  MapReader rules = r.map("rules");
  parseRule(rules.map("module_temp_warning"), out.rules.module_temp_warning, Dir::kAbove, false, true);
  parseRule(rules.map("module_temp_critical"), out.rules.module_temp_critical, Dir::kAbove, false, true);
  parseRule(rules.map("soc_low"), out.rules.soc_low, Dir::kBelow, false, true);
  parseRule(rules.map("cell_voltage_deviation"), out.rules.cell_voltage_deviation, Dir::kAbove, false, true);
  rules.finish();
  parseBessLogs(r.map("logs"), out.logs);
  r.finish();
}

void parseNode(MapReader& n, HomesyncNode& node, const std::map<std::string, std::string>& aliases,
               std::set<std::string>& seen) {
  node.node_id = n.requiredStr("node_id");
  if (!node.node_id.empty()) {
    if (node.node_id.find_first_of("/+# ") != std::string::npos) {
      n.errorKey("node_id", fmt::format("'{}' must not contain '/', '+', '#' or spaces", node.node_id));
    }
    if (!seen.insert(node.node_id).second) n.errorKey("node_id", fmt::format("duplicate node_id '{}'", node.node_id));
  }
  node.firmware = n.str("firmware", "");
  node.metrics = parseBindings(n.map("metrics"), "homesync", aliases);
  node.status = parseBindings(n.map("status"), "homesync.status", aliases);
  n.finish();
}

void parseHomesync(MapReader r, HomesyncConfig& out) {
  out.enabled = r.present() && r.boolean("enabled", true);
  out.home_id = r.present() && out.enabled ? r.requiredStr("home_id") : r.str("home_id", "");
  if (out.home_id.find_first_of("/+# ") != std::string::npos) {
    r.errorKey("home_id", fmt::format("'{}' must not contain '/', '+', '#' or spaces", out.home_id));
  }
  out.telemetry_interval_ms =
      static_cast<int>(r.integer("telemetry_interval_ms", out.telemetry_interval_ms, 100, 3600000));
  out.stale_after_s = static_cast<int>(r.integer("stale_after_s", out.stale_after_s, 1, 86400));
  out.offline_after_s = static_cast<int>(r.integer("offline_after_s", out.offline_after_s, 1, 86400));
  out.status_interval_s = static_cast<int>(r.integer("status_interval_s", out.status_interval_s, 1, 86400));
  if (out.offline_after_s <= out.stale_after_s) {
    r.errorKey("offline_after_s", fmt::format("offline_after_s ({}) must be greater than stale_after_s ({})",
                                              out.offline_after_s, out.stale_after_s));
  }
  out.topics = parseTopics(r.map("topics"), "homesync");
  out.aliases = parseAliases(r);
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
        parseNode(n, node, out.aliases, seen);
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
