// commands: section — limits, ledger, HMAC and the action table. The
// cross-section checks (an action's source exists and can carry its kind)
// are in validateCommands(), called from validate().
#include <fmt/format.h>

#include <algorithm>
#include <regex>
#include <set>

#include "config/sections.hpp"

namespace tgw::config {
namespace {

const std::vector<std::string_view> kKinds = {"can_send", "serial_write", "modbus_write", "modem_at"};
const std::vector<std::string_view> kParamTypes = {"int", "float", "bool", "enum", "string"};
const std::set<std::string, std::less<>> kCanEncodings = {"u8",    "s8",    "u16le", "u16be", "s16le",
                                                          "s16be", "u32le", "u32be", "s32le", "s32be"};
const std::set<std::string, std::less<>> kModbusEncodings = {"u16", "s16", "u32", "s32", "f32"};
const std::vector<std::string_view> kTopicKeys = {
    "bess_commands",     "bess_config",  "bess_reset",   "bess_firmware",    "bess_response",
    "homesync_commands", "dtg_commands", "dtg_response", "generic_commands", "generic_response"};

YAML::Node nodeAt(const YAML::Node& root, std::initializer_list<std::string_view> path) {
  YAML::Node cur = root;
  for (auto key : path) {
    if (!cur.IsDefined() || !cur.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
    const YAML::Node& c = cur;
    YAML::Node next = c[std::string(key)];
    if (!next.IsDefined()) return YAML::Node(YAML::NodeType::Undefined);
    cur.reset(next);
  }
  return cur;
}

// Problems with the ${...} placeholders of one template text.
std::optional<std::string> checkPlaceholders(const std::string& text, const std::vector<CommandParamSpec>& params,
                                             const std::set<std::string, std::less<>>* encodings) {
  static const std::regex kRef(R"(\$\{([^}:]*)(?::([^}]*))?\})");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kRef); it != std::sregex_iterator(); ++it) {
    const std::string name = (*it)[1].str();
    const bool known = std::any_of(params.begin(), params.end(), [&](const auto& p) { return p.name == name; });
    if (!known) return fmt::format("${{{}}} names no parameter of this action", name);
    if ((*it)[2].matched) {
      const std::string enc = (*it)[2].str();
      if (encodings == nullptr || encodings->count(enc) == 0) {
        std::string allowed;
        if (encodings != nullptr) {
          for (const auto& e : *encodings) allowed += (allowed.empty() ? "" : ", ") + e;
        }
        return fmt::format("encoding ':{}' is not allowed here{}", enc,
                           allowed.empty() ? std::string() : fmt::format(" (one of {})", allowed));
      }
    }
  }
  if (text.find("${") != std::string::npos && !std::regex_search(text, kRef)) {
    return std::string("unclosed ${ in template");
  }
  return std::nullopt;
}

CommandParamSpec parseParam(MapReader& parent, const std::string& name, const YAML::Node& node) {
  CommandParamSpec p;
  p.name = name;
  MapReader r(parent.diag(), node, parent.keyPath(name));
  if (!r.present()) {
    r.diag().error(lineOf(node), columnOf(node), parent.keyPath(name),
                   "expected a mapping {type: int|float|bool|enum|string, ...}");
    return p;
  }
  p.type = r.choice("type", "", kParamTypes);
  if (!r.has("type")) r.errorKey("type", "required key is missing (int, float, bool, enum or string)");
  p.required = r.boolean("required", true);
  if (r.has("min")) p.min = r.number("min", 0, -1e15, 1e15);
  if (r.has("max")) p.max = r.number("max", 0, -1e15, 1e15);
  if (p.min && p.max && *p.min > *p.max) r.errorKey("max", "must not be smaller than min");
  p.max_len = static_cast<int>(r.integer("max_len", p.max_len, 1, 4096));
  p.scale = r.number("scale", 1.0, -1e12, 1e12);
  p.offset = r.number("offset", 0.0, -1e12, 1e12);
  if (r.has("default")) p.default_value = r.str("default", "");
  const YAML::Node values = r.child("values");
  if (values.IsSequence()) {
    for (const auto& v : values) {
      if (v.IsScalar()) p.values.push_back(v.Scalar());
    }
  } else if (values.IsMap()) {
    for (auto it = values.begin(); it != values.end(); ++it) {
      p.values.push_back(it->first.Scalar());
      p.value_map[it->first.Scalar()] = it->second.IsScalar() ? it->second.Scalar() : std::string();
    }
  } else if (values.IsDefined() && !values.IsNull()) {
    r.errorKey("values", "expected a list of allowed values, or a mapping value -> text to substitute");
  }
  if (p.type == "enum" && p.values.empty()) r.errorKey("values", "an enum parameter needs its allowed values");
  if (p.type != "enum" && !p.values.empty()) r.errorKey("values", "only enum parameters take values");
  if (p.type == "enum" && p.default_value &&
      std::find(p.values.begin(), p.values.end(), *p.default_value) == p.values.end()) {
    r.errorKey("default", fmt::format("'{}' is not one of the enum values", *p.default_value));
  }
  if (p.required && p.default_value) r.warnKey("default", "a required parameter never uses its default");
  r.finish();
  return p;
}

void parseTemplate(MapReader r, CommandActionConfig& a) {
  auto& t = a.tmpl;
  const auto check = [&](std::string_view key, const std::string& text, const std::set<std::string, std::less<>>* enc) {
    if (auto problem = checkPlaceholders(text, a.params, enc)) r.errorKey(key, *problem);
  };
  if (!r.present()) {
    r.diag().error(a.line, 0, r.path(), "required key is missing (how the hardware operation is built)");
    return;
  }
  if (a.kind == "can_send") {
    t.can_id = r.requiredStr("id");
    check("id", t.can_id, nullptr);
    t.extended = r.boolean("extended", false);
    t.data = r.strList("data");
    for (const auto& d : t.data) check("data", d, &kCanEncodings);
  } else if (a.kind == "serial_write") {
    t.line = r.requiredStr("line");
    check("line", t.line, nullptr);
    t.ending = r.str("ending", t.ending);
    // YAML double-quoted strings carry real CR/LF; also accept the escaped forms.
    t.ending = std::regex_replace(std::regex_replace(t.ending, std::regex(R"(\\r)"), "\r"), std::regex(R"(\\n)"), "\n");
    t.nmea_checksum = r.boolean("nmea_checksum", false);
  } else if (a.kind == "modbus_write") {
    t.device = r.requiredStr("device");
    t.table = r.choice("table", t.table, {"holding", "coil"});
    t.address = r.requiredStr("address");
    check("address", t.address, nullptr);
    t.values = r.strList("values");
    if (r.has("value")) t.values.push_back(r.str("value", ""));
    if (t.values.empty()) r.errorKey("values", "required: the value(s) to write (e.g. [\"${setpoint}\"])");
    if (t.table == "coil" && t.values.size() != 1) r.errorKey("values", "a coil write takes exactly one value");
    for (const auto& v : t.values) check("values", v, t.table == "coil" ? nullptr : &kModbusEncodings);
    t.verify = r.boolean("verify", true);
  } else if (a.kind == "modem_at") {
    t.command = r.requiredStr("command");
    check("command", t.command, nullptr);
    if (!t.command.empty() && t.command.rfind("AT", 0) != 0 && t.command.rfind("at", 0) != 0) {
      r.errorKey("command", "an AT command starts with AT");
    }
    if (t.command.find_first_of("\r\n;") != std::string::npos) {
      r.errorKey("command", "one AT command only: no ';', CR or LF");
    }
  }
  r.finish();
}

CommandActionConfig parseAction(MapReader& parent, const std::string& name, const YAML::Node& node) {
  CommandActionConfig a;
  a.name = name;
  a.line = lineOf(node);
  MapReader r(parent.diag(), node, parent.keyPath(name));
  if (!r.present()) {
    r.diag().error(lineOf(node), columnOf(node), parent.keyPath(name), "expected a mapping (kind, source, ...)");
    return a;
  }
  a.kind = r.choice("kind", "", kKinds);
  if (!r.has("kind")) r.errorKey("kind", "required key is missing (can_send, serial_write, modbus_write, modem_at)");
  a.source = r.requiredStr("source");
  MapReader params = r.map("params");
  if (params.present()) {
    const YAML::Node pn = r.child("params");
    for (auto it = pn.begin(); it != pn.end(); ++it) {
      const std::string pname = it->first.Scalar();
      params.allow({pname});
      if (pname.empty() || pname.find_first_of("${}: ") != std::string::npos) {
        params.errorKey(pname, "parameter names are plain words (no $, {, }, ':' or spaces)");
        continue;
      }
      a.params.push_back(parseParam(params, pname, it->second));
    }
  }
  params.finish();
  parseTemplate(r.map("template"), a);
  a.timeout_ms = static_cast<int>(r.integer("timeout_ms", a.timeout_ms, 10, 600000));
  MapReader rl = r.map("rate_limit");
  a.rate_max = static_cast<int>(rl.integer("max", 0, 0, 1000000));
  a.rate_window_s = static_cast<int>(rl.integer("window_s", a.rate_window_s, 1, 86400));
  rl.finish();
  a.profiles = r.strList("profiles");
  for (const auto& p : a.profiles) {
    if (p != "bess" && p != "homesync" && p != "dtg" && p != "generic") {
      r.errorKey("profiles", fmt::format("'{}' is not one of: bess, homesync, dtg, generic", p));
    }
  }
  a.topics = r.strList("topics");
  r.finish();
  return a;
}

}  // namespace

void parseCommands(MapReader r, CommandsConfig& out) {
  if (!r.present()) return;
  out.enabled = r.boolean("enabled", true);
  out.max_age_s = static_cast<int>(r.integer("max_age_s", out.max_age_s, 1, 30 * 86400));
  out.retention_h = static_cast<int>(r.integer("retention_h", out.retention_h, 1, 24 * 365));
  out.ledger_path = r.str("ledger_path", out.ledger_path);
  out.synchronous = r.choice("synchronous", out.synchronous, {"full", "normal"});
  out.max_payload_bytes = static_cast<int>(r.integer("max_payload_bytes", out.max_payload_bytes, 256, 1 << 20));
  out.max_in_flight = static_cast<int>(r.integer("max_in_flight", out.max_in_flight, 1, 10000));
  out.generic_prefix = r.str("generic_prefix", out.generic_prefix);
  if (out.generic_prefix.find_first_of("+#") != std::string::npos) {
    r.errorKey("generic_prefix", "no MQTT wildcards ('+', '#') in the prefix");
  }
  MapReader topics = r.map("topics");
  for (auto key : kTopicKeys) {
    if (!topics.has(key)) continue;
    const std::string value = topics.str(key, "");
    if (value.empty() || value.find('#') != std::string::npos) {
      topics.errorKey(key, "expected a topic (the '#' wildcard is not allowed)");
      continue;
    }
    if (std::string_view(key).ends_with("_response") && value.find('+') != std::string::npos) {
      topics.errorKey(key, "a response topic has no '+' wildcard");
      continue;
    }
    out.topics[std::string(key)] = value;
  }
  topics.finish();

  MapReader h = r.map("hmac");
  out.hmac.key = h.secret("key");
  if (h.has("key_env")) out.hmac.key.env = h.str("key_env", "");
  out.hmac.required = h.boolean("required", h.present());
  out.hmac.window_s = static_cast<int>(h.integer("window_s", out.hmac.window_s, 1, 86400));
  if (out.hmac.required && out.hmac.key.empty()) {
    h.errorKey("key_file", "signatures are required but no key is given (key_file: /etc/..., or key_env: NAME)");
  }
  h.finish();
  if (out.retention_h * 3600LL < out.max_age_s || out.retention_h * 3600LL < out.hmac.window_s) {
    r.errorKey("retention_h", "must cover max_age_s and hmac.window_s (else a replay after pruning could run again)");
  }

  MapReader actions = r.map("actions");
  if (actions.present()) {
    const YAML::Node an = r.child("actions");
    for (auto it = an.begin(); it != an.end(); ++it) {
      const std::string name = it->first.Scalar();
      actions.allow({name});
      out.actions.push_back(parseAction(actions, name, it->second));
    }
  }
  actions.finish();
  r.finish();
}

void validateCommands(Diagnostics& diag, const YAML::Node& root, Config& cfg) {
  auto& c = cfg.commands;
  if (c.ledger_path.empty()) c.ledger_path = cfg.gateway.state_dir + "/commands.db";
  if (!c.enabled) return;
  for (const auto& a : c.actions) {
    const YAML::Node at = nodeAt(root, {"commands", "actions", a.name, "source"});
    const std::string path = fmt::format("commands.actions.{}.source", a.name);
    const auto it =
        std::find_if(cfg.sources.begin(), cfg.sources.end(), [&](const SourceConfig& s) { return s.name == a.source; });
    if (a.source.empty()) continue;  // reported by the parser
    if (it == cfg.sources.end()) {
      std::vector<std::string> names;
      for (const auto& s : cfg.sources) names.push_back(s.name);
      std::string msg = fmt::format("no source named '{}'", a.source);
      if (auto s = closestMatch(a.source, names)) msg += fmt::format(" (did you mean '{}'?)", *s);
      diag.error(lineOf(at), columnOf(at), path, msg);
      continue;
    }
    const std::string& type = it->type;
    bool ok = false;
    if (a.kind == "can_send") ok = type == "socketcan" || type == "slcan";
    if (a.kind == "serial_write") ok = type == "nmea" || type == "slcan" || type == "modem";
    if (a.kind == "modbus_write") ok = type == "modbus_tcp" || type == "modbus_rtu";
    if (a.kind == "modem_at") ok = type == "modem";
    if (!ok && !a.kind.empty()) {
      diag.error(lineOf(at), columnOf(at), path,
                 fmt::format("source '{}' is of type {}, which cannot carry {} actions", a.source, type, a.kind));
      continue;
    }
    if (a.kind == "modbus_write") {
      const auto& devs = it->modbus.devices;
      const bool found = std::any_of(devs.begin(), devs.end(), [&](const auto& d) { return d.name == a.tmpl.device; });
      if (!found && !a.tmpl.device.empty()) {
        const YAML::Node dn = nodeAt(root, {"commands", "actions", a.name, "template", "device"});
        diag.error(lineOf(dn), columnOf(dn), fmt::format("commands.actions.{}.template.device", a.name),
                   fmt::format("source '{}' has no device named '{}'", a.source, a.tmpl.device));
      }
    }
  }
  const bool any_profile = cfg.profiles.bess.enabled || cfg.profiles.homesync.enabled || cfg.profiles.dtg.enabled ||
                           !c.generic_prefix.empty();
  if (!any_profile) {
    const YAML::Node at = nodeAt(root, {"commands"});
    diag.warning(lineOf(at), columnOf(at), "commands",
                 "no command topic is subscribed (no profile, no generic_prefix)");
  }
}

}  // namespace tgw::config
