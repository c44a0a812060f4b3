// Checks across sections, and defaults derived from other sections.
#include <fmt/format.h>

#include <map>

#include "config/sections.hpp"
#include "tgw/config/catalog.hpp"
#include "tgw/config/topics.hpp"

namespace tgw::config {
namespace {

YAML::Node nodeAt(const YAML::Node& root, std::initializer_list<std::string_view> path) {
  YAML::Node cur = root;
  for (auto key : path) {
    if (!cur.IsDefined() || !cur.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
    const YAML::Node& c = cur;
    YAML::Node next = c[std::string(key)];
    if (!next.IsDefined()) return YAML::Node(YAML::NodeType::Undefined);
    cur.reset(next);  // rebind; operator= would overwrite the node `cur` refers to (root)
  }
  return cur;
}

class SignalChecker {
 public:
  SignalChecker(Diagnostics& diag, const std::vector<SourceConfig>& sources) : diag_(diag) {
    for (const auto& s : sources) {
      source_names_.push_back(s.name);
      catalogs_[s.name] = signalCatalog(s);
    }
  }

  void check(const std::string& signal, const YAML::Node& at, const std::string& path,
             const std::map<std::string, std::string>* aliases = nullptr) {
    if (signal.empty()) return;
    if (aliases != nullptr && !aliases->empty() && signal.find('.') == std::string::npos) {
      std::vector<std::string> names;
      for (const auto& [s, alias] : *aliases) names.push_back(alias);
      std::string msg = fmt::format("'{}' is neither a signal (<source>.<name>) nor an alias from aliases:", signal);
      if (auto s = closestMatch(signal, names)) msg += fmt::format(" (did you mean '{}'?)", *s);
      diag_.error(lineOf(at), columnOf(at), path, msg);
      return;
    }
    // Trailing '*' = prefix match (e.g. module temperatures).
    const bool prefix = signal.back() == '*';
    const std::string name = prefix ? signal.substr(0, signal.size() - 1) : signal;
    const auto dot = name.find('.');
    const std::string source = name.substr(0, dot);
    auto it = catalogs_.find(source);
    if (it == catalogs_.end()) {
      std::string msg = fmt::format("signal '{}' names no configured source ('{}' is not in sources:)", signal, source);
      if (auto s = closestMatch(source, source_names_)) msg += fmt::format(" (did you mean '{}'?)", *s);
      diag_.error(lineOf(at), columnOf(at), path, msg);
      return;
    }
    if (!it->second) return;  // names known only at run time (e.g. DBC-driven)
    const auto& names = *it->second;
    for (const auto& n : names) {
      if (prefix ? n.starts_with(name) : n == name) return;
    }
    std::string msg = fmt::format("unknown signal '{}' (source '{}' does not produce it)", signal, source);
    if (prefix) {
      // Suggest a prefix of the same length that does match something.
      std::vector<std::string> prefixes;
      prefixes.reserve(names.size());
      for (const auto& n : names) prefixes.push_back(n.substr(0, name.size()) + "*");
      if (auto s = closestMatch(signal, prefixes)) msg += fmt::format(" (did you mean '{}'?)", *s);
    } else if (auto s = closestMatch(name, names)) {
      msg += fmt::format(" (did you mean '{}'?)", *s);
    }
    diag_.error(lineOf(at), columnOf(at), path, msg);
  }

 private:
  Diagnostics& diag_;
  std::vector<std::string> source_names_;
  std::map<std::string, std::optional<std::vector<std::string>>> catalogs_;
};

void checkBindings(SignalChecker& checker, const YAML::Node& signals_node, const std::string& path,
                   const std::map<std::string, SignalBinding>& bindings,
                   const std::map<std::string, std::string>& aliases) {
  for (const auto& [field, binding] : bindings) {
    if (!binding.alias.empty()) continue;  // the alias' signal is checked under aliases:
    const YAML::Node& s = signals_node;
    YAML::Node at = s.IsMap() ? YAML::Node(s[field]) : YAML::Node(YAML::NodeType::Undefined);
    if (at.IsMap()) {
      const YAML::Node& m = at;
      at.reset(m["signal"]);
    }
    checker.check(binding.signal, at, joinPath(path, field), &aliases);
  }
}

// aliases: {signal name: alias}: the signal names must exist.
void checkAliases(SignalChecker& checker, const YAML::Node& aliases_node, const std::string& path,
                  const std::map<std::string, std::string>& aliases) {
  if (!aliases_node.IsMap()) return;
  for (auto it = aliases_node.begin(); it != aliases_node.end(); ++it) {
    const std::string signal = it->first.Scalar();
    if (aliases.count(signal) == 0) continue;  // already reported by the parser
    checker.check(signal, it->first, joinPath(path, signal));
  }
}

// Topics filled in with the real ids (device_id, home_id, node_id) must still
// be valid topics: an id with '+', '#', '/' or nothing in it breaks them.
void checkExpandedTopics(Diagnostics& diag, const YAML::Node& root, std::string_view profile,
                         const std::map<std::string, std::string>& topics,
                         const std::map<std::string, std::string, std::less<>>& values) {
  for (const auto& [name, value] : values) {
    if (value.empty()) return;  // a missing id is reported where it is required
  }
  std::map<std::string, std::string, std::less<>> all = values;
  for (const char* runtime : {"metric", "severity", "level", "kind"}) all.emplace(runtime, "x");
  for (const auto& [key, tmpl] : topics) {
    if (checkTopicTemplate(tmpl, {"device_id", "home_id", "node_id", "metric", "severity", "level", "kind"})) {
      continue;  // the template itself is already reported
    }
    const std::string topic = expandTopic(tmpl, all);
    if (topic == tmpl) continue;
    auto problem = checkTopicTemplate(topic, {});
    if (!problem && topic.find('{') != std::string::npos) problem.reset();  // placeholders left: fine
    if (!problem) continue;
    YAML::Node at = nodeAt(root, {"profiles", profile, "topics", key});
    if (!at.IsDefined()) at = nodeAt(root, {"profiles", profile});
    diag.error(lineOf(at), columnOf(at), fmt::format("profiles.{}.topics.{}", profile, key),
               fmt::format("with the configured ids the topic becomes '{}': {}", topic, *problem));
  }
}

// A serial port has one owner (it is locked when opened): two sources, or a
// source and the modem uplink, on one device would each read part of what
// the device says. Refused here, with both places named.
std::string serialDevice(const SourceConfig& s) {
  if (s.type == "nmea") return s.nmea.replay_file.empty() ? s.nmea.port.device : std::string();
  if (s.type == "modem") return s.modem.port.device;
  if (s.type == "modbus_rtu") return s.modbus.serial.device;
  if (s.type == "slcan") return s.can.port;
  return {};
}

void checkSerialOwners(Diagnostics& diag, const YAML::Node& root, const Config& cfg) {
  std::map<std::string, std::string> owner;  // device -> "source 'x' (line n)"
  const YAML::Node sources = nodeAt(root, {"sources"});
  for (std::size_t i = 0; i < cfg.sources.size(); ++i) {
    const auto& s = cfg.sources[i];
    const std::string dev = serialDevice(s);
    if (dev.empty()) continue;
    const std::string who = fmt::format("source '{}' (line {})", s.name, s.line);
    if (auto [it, fresh] = owner.emplace(dev, who); !fresh) {
      const YAML::Node at = sources.IsSequence() && i < sources.size() ? YAML::Node(sources[i]) : sources;
      diag.error(lineOf(at), columnOf(at), fmt::format("sources[{}]", i),
                 fmt::format("device '{}' is also used by {}: a serial port has one owner (it is locked when "
                             "opened); give each source its own port",
                             dev, it->second));
    }
  }
  const auto& m = cfg.uplink.modem;
  if (m.enabled && !m.device.empty()) {
    if (auto it = owner.find(m.device); it != owner.end()) {
      const YAML::Node at = nodeAt(root, {"uplink", "modem", "device"});
      diag.error(lineOf(at), columnOf(at), "uplink.modem.device",
                 fmt::format("'{}' is also used by {}: a serial port has one owner (it is locked when opened); "
                             "give the uplink the modem's other AT port (a SIM7080 has several, e.g. "
                             "/dev/ttyUSB2 and /dev/ttyUSB3)",
                             m.device, it->second));
    }
  }
}

}  // namespace

void validate(Diagnostics& diag, const YAML::Node& root, Config& cfg) {
  const std::string& device = cfg.gateway.device_id;
  if (cfg.uplink.client_id.empty()) cfg.uplink.client_id = device;
  if (cfg.queue.path.empty()) cfg.queue.path = cfg.gateway.state_dir + "/queue.db";
  if (cfg.profiles.dtg.device_id.empty()) cfg.profiles.dtg.device_id = device;
  if (cfg.profiles.bess.device_id.empty()) cfg.profiles.bess.device_id = device;

  validateCommands(diag, root, cfg);
  checkSerialOwners(diag, root, cfg);
  const auto& p = cfg.profiles;
  if (!p.dtg.enabled && !p.bess.enabled && !p.homesync.enabled) {
    const YAML::Node at = nodeAt(root, {"profiles"});
    diag.error(lineOf(at), columnOf(at), "profiles",
               "no profile is enabled; enable at least one of dtg, bess, homesync");
  }
  if (cfg.sources.empty()) {
    diag.warning(0, 0, "sources", "no sources configured: only status messages will be sent");
  }

  if (p.dtg.enabled) checkExpandedTopics(diag, root, "dtg", p.dtg.topics, {{"device_id", p.dtg.device_id}});
  if (p.bess.enabled) checkExpandedTopics(diag, root, "bess", p.bess.topics, {{"device_id", p.bess.device_id}});
  if (p.homesync.enabled) {
    for (const auto& node : p.homesync.nodes) {
      checkExpandedTopics(diag, root, "homesync", p.homesync.topics,
                          {{"home_id", p.homesync.home_id}, {"node_id", node.node_id}});
    }
  }

  SignalChecker checker(diag, cfg.sources);
  if (p.dtg.enabled) {
    checkAliases(checker, nodeAt(root, {"profiles", "dtg", "aliases"}), "profiles.dtg.aliases", p.dtg.aliases);
    checkBindings(checker, nodeAt(root, {"profiles", "dtg", "signals"}), "profiles.dtg.signals", p.dtg.signals,
                  p.dtg.aliases);
  }
  if (p.bess.enabled) {
    checkAliases(checker, nodeAt(root, {"profiles", "bess", "aliases"}), "profiles.bess.aliases", p.bess.aliases);
    checkBindings(checker, nodeAt(root, {"profiles", "bess", "signals"}), "profiles.bess.signals", p.bess.signals,
                  p.bess.aliases);
    const YAML::Node temps = nodeAt(root, {"profiles", "bess", "module_temperatures"});
    for (std::size_t i = 0; i < p.bess.module_temperatures.size(); ++i) {
      const YAML::Node at = temps.IsSequence() && i < temps.size() ? YAML::Node(temps[i]) : temps;
      checker.check(p.bess.module_temperatures[i], at, fmt::format("profiles.bess.module_temperatures[{}]", i),
                    &p.bess.aliases);
    }
  }
  if (p.homesync.enabled) {
    checkAliases(checker, nodeAt(root, {"profiles", "homesync", "aliases"}), "profiles.homesync.aliases",
                 p.homesync.aliases);
    const YAML::Node nodes = nodeAt(root, {"profiles", "homesync", "nodes"});
    for (std::size_t i = 0; i < p.homesync.nodes.size(); ++i) {
      const YAML::Node n = nodes.IsSequence() && i < nodes.size() ? YAML::Node(nodes[i]) : YAML::Node();
      checkBindings(checker, nodeAt(n, {"metrics"}), fmt::format("profiles.homesync.nodes[{}].metrics", i),
                    p.homesync.nodes[i].metrics, p.homesync.aliases);
      checkBindings(checker, nodeAt(n, {"status"}), fmt::format("profiles.homesync.nodes[{}].status", i),
                    p.homesync.nodes[i].status, p.homesync.aliases);
    }
  }
}

}  // namespace tgw::config
