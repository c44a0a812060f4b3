// libFuzzer target: a downlink command message as it arrives off the wire.
// The envelope reader (size, UTF-8, JSON, request id), the timestamps, then
// parameter validation and the HardwareOp templates of one action of every
// kind (CAN frame with scaled little-endian fields, NMEA line with checksum,
// Modbus holding write, modem AT command).
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "command/action.hpp"
#include "command/request.hpp"

namespace {

namespace cfg = tgw::config;

cfg::CommandParamSpec param(const char* name, const char* type, bool required = true) {
  cfg::CommandParamSpec p;
  p.name = name;
  p.type = type;
  p.required = required;
  return p;
}

std::vector<cfg::CommandActionConfig> actions() {
  std::vector<cfg::CommandActionConfig> out;
  {
    cfg::CommandActionConfig a;
    a.name = "set_power";
    a.kind = "can_send";
    auto power = param("power", "float");
    power.min = -100;
    power.max = 100;
    power.scale = 10;
    power.offset = 1000;
    auto mode = param("mode", "enum");
    mode.values = {"charge", "discharge", "idle"};
    mode.value_map = {{"charge", "1"}, {"discharge", "2"}, {"idle", "0"}};
    a.params = {power, mode, param("id", "int", false)};
    a.params.back().default_value = "0x18FF50E5";
    a.tmpl.can_id = "${id}";
    a.tmpl.extended = true;
    a.tmpl.data = {"0x01", "${mode}", "${power:u16le}", "${power:s32be}"};
    out.push_back(a);
  }
  {
    cfg::CommandActionConfig a;
    a.name = "gps_rate";
    a.kind = "serial_write";
    auto ms = param("interval_ms", "int");
    ms.min = 100;
    ms.max = 10000;
    auto text = param("text", "string", false);
    text.max_len = 16;
    text.default_value = "x";
    a.params = {ms, text};
    a.tmpl.line = "$PMTK220,${interval_ms},${text}";
    a.tmpl.nmea_checksum = true;
    out.push_back(a);
  }
  {
    cfg::CommandActionConfig a;
    a.name = "setpoint";
    a.kind = "modbus_write";
    a.params = {param("reg", "int"), param("value", "float"), param("on", "bool", false)};
    a.params.back().default_value = "true";
    a.tmpl.device = "inv";
    a.tmpl.address = "${reg}";
    a.tmpl.values = {"${value:u32}", "${value}", "0x10"};
    out.push_back(a);
  }
  {
    cfg::CommandActionConfig a;
    a.name = "radio";
    a.kind = "modem_at";
    auto mode = param("mode", "int");
    mode.min = 0;
    mode.max = 4;
    a.params = {mode};
    a.tmpl.command = "AT+CFUN=${mode}";
    out.push_back(a);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto kActions = actions();
  const std::string_view payload(reinterpret_cast<const char*>(data), size);
  (void)tgw::command::validUtf8(payload);
  auto env = tgw::command::readEnvelope(payload, 65536);
  if (!env) {
    (void)tgw::command::unreadableName(env.error().why);
    return 0;
  }
  for (const char* key : {"timestamp", "expires_at", "ts"}) {
    if (env->body.contains(key)) {
      if (auto ms = tgw::command::parseTimestampMs(env->body[key])) (void)tgw::command::isoUtc(*ms);
    }
  }
  for (const auto& action : kActions) {
    for (bool from_topic : {false, true}) {
      auto values = tgw::command::validateParams(action, env->body, from_topic);
      if (values) (void)tgw::command::buildOp(action, *values);
    }
  }
  return 0;
}
