#include "command/action.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace tgw::command {
namespace {

using tl::unexpected;

const config::CommandParamSpec* findParam(const config::CommandActionConfig& a, std::string_view name) {
  for (const auto& p : a.params) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::string numberText(double v) {
  if (std::floor(v) == v && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<std::int64_t>(v));
  return fmt::format("{}", v);
}

bool hasControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7F;
  });
}

std::string describeType(const nlohmann::json& v) {
  if (v.is_string()) return "a string";
  if (v.is_boolean()) return "a boolean";
  if (v.is_number_integer() || v.is_number_unsigned()) return "an integer";
  if (v.is_number()) return "a number";
  if (v.is_null()) return "null";
  if (v.is_array()) return "a list";
  return "an object";
}

tl::expected<ParamValue, Refusal> checkValue(const config::CommandParamSpec& p, const nlohmann::json& v) {
  ParamValue out;
  const auto wrong = [&](std::string_view expected) {
    return unexpected(
        Refusal{"wrong_type", fmt::format("parameter '{}' must be {}, got {}", p.name, expected, describeType(v))});
  };
  const auto range = [&](double x) -> std::optional<Refusal> {
    if ((p.min && x < *p.min) || (p.max && x > *p.max)) {
      return Refusal{"out_of_range",
                     fmt::format("parameter '{}' = {} is outside [{}, {}]", p.name, numberText(x),
                                 p.min ? numberText(*p.min) : "-inf", p.max ? numberText(*p.max) : "inf")};
    }
    return std::nullopt;
  };
  if (p.type == "int") {
    double x = 0;
    if (v.is_number_integer() || v.is_number_unsigned()) {
      x = v.get<double>();
    } else if (v.is_number_float() && std::isfinite(v.get<double>()) &&
               std::floor(v.get<double>()) == v.get<double>()) {
      x = v.get<double>();
    } else {
      return wrong("an integer");
    }
    if (std::fabs(x) > 9e15)
      return unexpected(Refusal{"out_of_range", fmt::format("parameter '{}' is too large", p.name)});
    if (auto r = range(x)) return unexpected(*r);
    out.number = x;
    out.numeric = true;
    out.text = numberText(x);
  } else if (p.type == "float") {
    if (!v.is_number()) return wrong("a number");
    const double x = v.get<double>();
    if (!std::isfinite(x)) return wrong("a finite number");
    if (auto r = range(x)) return unexpected(*r);
    out.number = x;
    out.numeric = true;
    out.text = numberText(x);
  } else if (p.type == "bool") {
    if (!v.is_boolean()) return wrong("true or false");
    out.number = v.get<bool>() ? 1 : 0;
    out.numeric = true;
    out.text = v.get<bool>() ? "1" : "0";
  } else if (p.type == "enum") {
    if (!v.is_string()) return wrong("one of the strings " + fmt::format("{}", fmt::join(p.values, ", ")));
    const auto& s = v.get_ref<const std::string&>();
    if (std::find(p.values.begin(), p.values.end(), s) == p.values.end()) {
      return unexpected(Refusal{"invalid_value", fmt::format("parameter '{}' = '{}' is not one of: {}", p.name,
                                                             s.substr(0, 64), fmt::join(p.values, ", "))});
    }
    const auto m = p.value_map.find(s);
    out.text = m != p.value_map.end() ? m->second : s;
    char* end = nullptr;
    const double x = std::strtod(out.text.c_str(), &end);
    out.numeric = !out.text.empty() && end != nullptr && *end == '\0';
    out.number = out.numeric ? x : 0;
  } else {  // string
    if (!v.is_string()) return wrong("a string");
    const auto& s = v.get_ref<const std::string&>();
    if (s.size() > static_cast<std::size_t>(p.max_len)) {
      return unexpected(Refusal{"out_of_range", fmt::format("parameter '{}' is {} bytes long, the limit is {}", p.name,
                                                            s.size(), p.max_len)});
    }
    if (hasControl(s)) {
      return unexpected(Refusal{"invalid_value", fmt::format("parameter '{}' contains control characters", p.name)});
    }
    out.text = s;
  }
  return out;
}

std::optional<ParamValue> defaultValue(const config::CommandParamSpec& p) {
  if (!p.default_value) return std::nullopt;
  nlohmann::json v;
  const std::string& d = *p.default_value;
  if (p.type == "int" || p.type == "float") {
    v = nlohmann::json::parse(d, nullptr, false);
  } else if (p.type == "bool") {
    v = d == "true" || d == "1" || d == "yes" || d == "on";
  } else {
    v = d;
  }
  auto r = checkValue(p, v);
  if (!r) return std::nullopt;
  return *r;
}

struct Ref {
  std::string name;
  std::string encoding;
  std::size_t begin = 0;
  std::size_t end = 0;  // one past '}'
};

std::optional<Ref> nextRef(std::string_view text, std::size_t from) {
  const std::size_t open = text.find("${", from);
  if (open == std::string_view::npos) return std::nullopt;
  const std::size_t close = text.find('}', open);
  if (close == std::string_view::npos) return std::nullopt;
  Ref r;
  std::string_view inner = text.substr(open + 2, close - open - 2);
  const std::size_t colon = inner.find(':');
  r.name = std::string(inner.substr(0, colon));
  if (colon != std::string_view::npos) r.encoding = std::string(inner.substr(colon + 1));
  r.begin = open;
  r.end = close + 1;
  return r;
}

tl::expected<std::string, Refusal> substitute(std::string_view text, const ParamValues& values) {
  std::string out;
  std::size_t pos = 0;
  while (auto ref = nextRef(text, pos)) {
    out.append(text.substr(pos, ref->begin - pos));
    const auto it = values.find(ref->name);
    if (it == values.end()) {
      return unexpected(Refusal{"missing_param", fmt::format("parameter '{}' is needed by this action", ref->name)});
    }
    out += it->second.text;
    pos = ref->end;
  }
  out.append(text.substr(pos));
  return out;
}

// A numeric template item: a literal ("0x10", "-3") or one "${name[:enc]}".
struct NumericItem {
  std::int64_t value = 0;
  std::string encoding;
  std::string name;  // for messages
};

tl::expected<NumericItem, Refusal> evalNumeric(const config::CommandActionConfig& a, std::string_view item,
                                               const ParamValues& values) {
  NumericItem out;
  if (auto ref = nextRef(item, 0); ref && ref->begin == 0 && ref->end == item.size()) {
    const auto it = values.find(ref->name);
    if (it == values.end()) {
      return unexpected(Refusal{"missing_param", fmt::format("parameter '{}' is needed by this action", ref->name)});
    }
    if (!it->second.numeric) {
      return unexpected(Refusal{"invalid_value", fmt::format("parameter '{}' has no numeric value", ref->name)});
    }
    const auto* spec = findParam(a, ref->name);
    const double scaled = it->second.number * (spec ? spec->scale : 1.0) + (spec ? spec->offset : 0.0);
    if (!std::isfinite(scaled) || std::fabs(scaled) > 9e15) {
      return unexpected(Refusal{"out_of_range", fmt::format("parameter '{}' scaled is too large", ref->name)});
    }
    out.value = std::llround(scaled);
    out.encoding = ref->encoding;
    out.name = ref->name;
    return out;
  }
  const std::string s(item);
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(s.c_str(), &end, 0);
  if (s.empty() || *end != '\0' || errno == ERANGE) {
    return unexpected(Refusal{"invalid_value", fmt::format("template item '{}' is not a number", s)});
  }
  out.value = v;
  out.name = s;
  return out;
}

std::optional<Refusal> fits(const NumericItem& item, std::int64_t lo, std::int64_t hi) {
  if (item.value < lo || item.value > hi) {
    return Refusal{"out_of_range",
                   fmt::format("'{}' = {} does not fit [{}, {}] on the wire", item.name, item.value, lo, hi)};
  }
  return std::nullopt;
}

tl::expected<std::int64_t, Refusal> evalInteger(std::string_view tmpl, const ParamValues& values, std::string_view what,
                                                std::int64_t max) {
  auto text = substitute(tmpl, values);
  if (!text) return unexpected(text.error());
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(text->c_str(), &end, 0);
  if (text->empty() || *end != '\0' || errno == ERANGE) {
    return unexpected(Refusal{"invalid_value", fmt::format("{} '{}' is not a number", what, *text)});
  }
  if (v < 0 || v > max) {
    return unexpected(Refusal{"out_of_range", fmt::format("{} {} is outside [0, {}]", what, v, max)});
  }
  return v;
}

tl::expected<HardwareOp, Refusal> buildCan(const config::CommandActionConfig& a, const ParamValues& values) {
  CanSendOp op;
  op.extended = a.tmpl.extended;
  auto id = evalInteger(a.tmpl.can_id, values, "CAN id", op.extended ? 0x1FFFFFFF : 0x7FF);
  if (!id) return unexpected(id.error());
  op.id = static_cast<std::uint32_t>(*id);
  for (const auto& d : a.tmpl.data) {
    auto item = evalNumeric(a, d, values);
    if (!item) return unexpected(item.error());
    const std::string& enc = item->encoding.empty() ? std::string("u8") : item->encoding;
    int bytes = 1;
    std::int64_t lo = 0;
    std::int64_t hi = 255;
    if (enc == "s8") lo = -128, hi = 127;
    if (enc.starts_with("u16")) bytes = 2, hi = 0xFFFF;
    if (enc.starts_with("s16")) bytes = 2, lo = -32768, hi = 32767;
    if (enc.starts_with("u32")) bytes = 4, hi = 0xFFFFFFFFLL;
    if (enc.starts_with("s32"))
      bytes = 4, lo = std::numeric_limits<std::int32_t>::min(), hi = std::numeric_limits<std::int32_t>::max();
    if (auto r = fits(*item, lo, hi)) return unexpected(*r);
    const auto raw = static_cast<std::uint32_t>(item->value);
    const bool big = enc.ends_with("be");
    for (int i = 0; i < bytes; ++i) {
      const int shift = big ? 8 * (bytes - 1 - i) : 8 * i;
      op.data.push_back(static_cast<std::uint8_t>((raw >> shift) & 0xFF));
    }
  }
  if (op.data.size() > 8) {
    return unexpected(
        Refusal{"invalid_value", fmt::format("{} data bytes, a classic CAN frame carries 8", op.data.size())});
  }
  return op;
}

tl::expected<HardwareOp, Refusal> buildSerial(const config::CommandActionConfig& a, const ParamValues& values) {
  auto line = substitute(a.tmpl.line, values);
  if (!line) return unexpected(line.error());
  if (hasControl(*line)) return unexpected(Refusal{"invalid_value", "the line would contain control characters"});
  SerialWriteOp op;
  op.bytes = a.tmpl.nmea_checksum ? nmeaSentence(*line) : *line;
  op.bytes += a.tmpl.ending;
  return op;
}

tl::expected<HardwareOp, Refusal> buildModbus(const config::CommandActionConfig& a, const ParamValues& values) {
  ModbusWriteOp op;
  op.device = a.tmpl.device;
  op.verify = a.tmpl.verify;
  auto addr = evalInteger(a.tmpl.address, values, "Modbus address", 0xFFFF);
  if (!addr) return unexpected(addr.error());
  op.address = static_cast<std::uint16_t>(*addr);
  if (a.tmpl.table == "coil") {
    op.kind = ModbusWriteOp::Kind::kCoil;
    auto item = evalNumeric(a, a.tmpl.values.at(0), values);
    if (!item) return unexpected(item.error());
    if (auto r = fits(*item, 0, 1)) return unexpected(*r);
    op.coil = item->value != 0;
    return op;
  }
  op.kind = ModbusWriteOp::Kind::kRegisters;
  for (const auto& v : a.tmpl.values) {
    auto item = evalNumeric(a, v, values);
    if (!item) return unexpected(item.error());
    const std::string enc = item->encoding.empty() ? "u16" : item->encoding;
    if (enc == "u16" || enc == "s16") {
      if (auto r = fits(*item, enc == "u16" ? 0 : -32768, enc == "u16" ? 0xFFFF : 32767)) return unexpected(*r);
      op.values.push_back(static_cast<std::uint16_t>(item->value));
    } else if (enc == "u32" || enc == "s32") {
      if (auto r = fits(*item, enc == "u32" ? 0 : std::numeric_limits<std::int32_t>::min(),
                        enc == "u32" ? 0xFFFFFFFFLL : std::numeric_limits<std::int32_t>::max())) {
        return unexpected(*r);
      }
      const auto raw = static_cast<std::uint32_t>(item->value);
      op.values.push_back(static_cast<std::uint16_t>(raw >> 16));
      op.values.push_back(static_cast<std::uint16_t>(raw & 0xFFFF));
    } else {  // f32: the scaled value, not rounded
      const auto it = values.find(item->name);
      const auto* spec = findParam(a, item->name);
      const float f =
          it == values.end()
              ? static_cast<float>(item->value)
              : static_cast<float>(it->second.number * (spec ? spec->scale : 1.0) + (spec ? spec->offset : 0.0));
      std::uint32_t raw = 0;
      std::memcpy(&raw, &f, sizeof raw);
      op.values.push_back(static_cast<std::uint16_t>(raw >> 16));
      op.values.push_back(static_cast<std::uint16_t>(raw & 0xFFFF));
    }
  }
  if (op.values.empty() || op.values.size() > 123) {
    return unexpected(Refusal{"invalid_value", fmt::format("{} registers; a write takes 1..123", op.values.size())});
  }
  return op;
}

tl::expected<HardwareOp, Refusal> buildAt(const config::CommandActionConfig& a, const ParamValues& values) {
  for (const auto& [name, v] : values) {
    if (v.text.find_first_of("\";\r\n") != std::string::npos) {
      return unexpected(Refusal{"invalid_value", fmt::format("parameter '{}' may not contain '\"' or ';' in an AT "
                                                             "command",
                                                             name)});
    }
  }
  auto cmd = substitute(a.tmpl.command, values);
  if (!cmd) return unexpected(cmd.error());
  if (hasControl(*cmd) || cmd->find(';') != std::string::npos) {
    return unexpected(Refusal{"invalid_value", "the AT command would contain ';' or control characters"});
  }
  return ModemAtOp{*cmd};
}

}  // namespace

bool isReservedKey(std::string_view key, bool action_from_topic) {
  static const char* const kReserved[] = {"request_id", "id",     "timestamp", "expires_at",
                                          "signature",  "params", "device_id", "node_id"};
  for (const char* r : kReserved) {
    if (key == r) return true;
  }
  return !action_from_topic && (key == "action" || key == "command");
}

tl::expected<ParamValues, Refusal> validateParams(const config::CommandActionConfig& action, const nlohmann::json& body,
                                                  bool action_from_topic) {
  std::map<std::string, const nlohmann::json*, std::less<>> given;
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (!isReservedKey(it.key(), action_from_topic)) given[it.key()] = &it.value();
  }
  if (const auto p = body.find("params"); p != body.end()) {
    if (!p->is_object()) return unexpected(Refusal{"wrong_type", "'params' must be an object"});
    for (auto it = p->begin(); it != p->end(); ++it) {
      if (given.count(it.key()) != 0) {
        return unexpected(Refusal{"invalid_value", fmt::format("parameter '{}' is given twice", it.key())});
      }
      given[it.key()] = &it.value();
    }
  }
  ParamValues out;
  for (const auto& [name, value] : given) {
    const auto* spec = findParam(action, name);
    if (spec == nullptr) {
      std::vector<std::string> names;
      for (const auto& p : action.params) names.push_back(p.name);
      return unexpected(
          Refusal{"unknown_param",
                  fmt::format("action '{}' has no parameter '{}' (it takes: {})", action.name, name.substr(0, 64),
                              names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", ")))});
    }
    auto v = checkValue(*spec, *value);
    if (!v) return unexpected(v.error());
    out[name] = std::move(*v);
  }
  for (const auto& p : action.params) {
    if (out.count(p.name) != 0) continue;
    if (p.required) {
      return unexpected(Refusal{"missing_param", fmt::format("parameter '{}' is required", p.name)});
    }
    if (auto d = defaultValue(p)) out[p.name] = std::move(*d);
  }
  return out;
}

tl::expected<HardwareOp, Refusal> buildOp(const config::CommandActionConfig& action, const ParamValues& values) {
  if (action.kind == "can_send") return buildCan(action, values);
  if (action.kind == "serial_write") return buildSerial(action, values);
  if (action.kind == "modbus_write") return buildModbus(action, values);
  if (action.kind == "modem_at") return buildAt(action, values);
  return unexpected(Refusal{"unknown_action", fmt::format("action kind '{}' is not supported", action.kind)});
}

HardwareOp probeOp(const config::CommandActionConfig& action) {
  if (action.kind == "can_send") return CanSendOp{0, action.tmpl.extended, {}};
  if (action.kind == "serial_write") return SerialWriteOp{};
  if (action.kind == "modbus_write") {
    ModbusWriteOp op;
    op.device = action.tmpl.device;
    op.kind = action.tmpl.table == "coil" ? ModbusWriteOp::Kind::kCoil : ModbusWriteOp::Kind::kRegisters;
    op.values = {0};
    return op;
  }
  return ModemAtOp{"AT"};
}

std::string nmeaSentence(std::string_view body) {
  if (!body.empty() && body.front() == '$') body.remove_prefix(1);
  unsigned char x = 0;
  for (char c : body) x ^= static_cast<unsigned char>(c);
  return fmt::format("${}*{:02X}", body, x);
}

}  // namespace tgw::command
