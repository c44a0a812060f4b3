// Parameter validation and HardwareOp templates.
#include "command/action.hpp"

#include <gtest/gtest.h>

namespace tgw::command {
namespace {

using config::CommandActionConfig;
using config::CommandParamSpec;
using nlohmann::json;

CommandParamSpec param(std::string name, std::string type, std::optional<double> min = {},
                       std::optional<double> max = {}) {
  CommandParamSpec p;
  p.name = std::move(name);
  p.type = std::move(type);
  p.min = min;
  p.max = max;
  return p;
}

CommandActionConfig canAction() {
  CommandActionConfig a;
  a.name = "set_power";
  a.kind = "can_send";
  a.params = {param("power_kw", "float", -50, 50), param("mode", "enum"), param("level", "int", 0, 100)};
  a.params[0].scale = 10;
  a.params[1].values = {"charge", "discharge", "idle"};
  a.params[1].value_map = {{"charge", "1"}, {"discharge", "2"}, {"idle", "0"}};
  a.tmpl.can_id = "0x18FF50E5";
  a.tmpl.extended = true;
  a.tmpl.data = {"${mode}", "${power_kw:s16le}", "${level}", "0xAA"};
  return a;
}

TEST(Params, ValidCommandBuildsTheFrame) {
  const auto a = canAction();
  auto v = validateParams(a, json::parse(R"({"command":"set_power","request_id":"r","params":{"power_kw":-2.5,
      "mode":"discharge"},"level":80})"),
                          false);
  ASSERT_TRUE(v) << v.error().detail;
  auto op = buildOp(a, *v);
  ASSERT_TRUE(op) << op.error().detail;
  const auto& can = std::get<CanSendOp>(*op);
  EXPECT_EQ(can.id, 0x18FF50E5u);
  EXPECT_TRUE(can.extended);
  // mode 2, -25 as s16 little endian (0xFFE7), 80, 0xAA
  EXPECT_EQ(can.data, (std::vector<std::uint8_t>{2, 0xE7, 0xFF, 80, 0xAA}));
}

TEST(Params, EveryKindOfBadValueIsRefusedWithItsReason) {
  const auto a = canAction();
  struct Case {
    const char* body;
    const char* reason;
  };
  const Case cases[] = {
      {R"({"power_kw":"5","mode":"idle","level":1})", "wrong_type"},
      {R"({"power_kw":5,"mode":"idle","level":1.5})", "wrong_type"},
      {R"({"power_kw":5,"mode":1,"level":1})", "wrong_type"},
      {R"({"power_kw":5,"mode":"idle","level":true})", "wrong_type"},
      {R"({"power_kw":5,"mode":"idle","level":null})", "wrong_type"},
      {R"({"power_kw":50.5,"mode":"idle","level":1})", "out_of_range"},
      {R"({"power_kw":5,"mode":"idle","level":101})", "out_of_range"},
      {R"({"power_kw":5,"mode":"idle","level":-1})", "out_of_range"},
      {R"({"power_kw":5,"mode":"idle","level":1e300})", "out_of_range"},
      {R"({"power_kw":5,"mode":"boost","level":1})", "invalid_value"},
      {R"({"power_kw":5,"level":1})", "missing_param"},
      {R"({"power_kw":5,"mode":"idle","level":1,"extra":1})", "unknown_param"},
      {R"({"power_kw":5,"mode":"idle","params":{"level":1,"mode":"idle"}})", "invalid_value"},
      {R"({"power_kw":5,"mode":"idle","level":1,"params":[1]})", "wrong_type"},
  };
  for (const auto& c : cases) {
    auto v = validateParams(a, json::parse(c.body), false);
    ASSERT_FALSE(v) << c.body;
    EXPECT_EQ(v.error().reason, c.reason) << c.body << ": " << v.error().detail;
  }
}

TEST(Params, OptionalDefaultsAndStrings) {
  CommandActionConfig a;
  a.name = "say";
  a.kind = "serial_write";
  a.params = {param("text", "string"), param("rate", "int", 1, 10)};
  a.params[0].max_len = 8;
  a.params[1].required = false;
  a.params[1].default_value = "5";
  a.tmpl.line = "PMTK,${text},${rate}";
  a.tmpl.nmea_checksum = true;
  auto v = validateParams(a, json::parse(R"({"text":"hello"})"), false);
  ASSERT_TRUE(v);
  auto op = buildOp(a, *v);
  ASSERT_TRUE(op);
  EXPECT_EQ(std::get<SerialWriteOp>(*op).bytes, nmeaSentence("PMTK,hello,5") + "\r\n");
  EXPECT_EQ(nmeaSentence("$PMTK220,1000"), "$PMTK220,1000*1F");
  auto longer = validateParams(a, json::parse(R"({"text":"123456789"})"), false);
  ASSERT_FALSE(longer);
  EXPECT_EQ(longer.error().reason, "out_of_range");
  auto ctrl = validateParams(a, json::parse(R"({"text":"a\r\nb"})"), false);
  ASSERT_FALSE(ctrl);
  EXPECT_EQ(ctrl.error().reason, "invalid_value");
}

TEST(Ops, WireRangeIsCheckedAfterScaling) {
  auto a = canAction();
  a.tmpl.data = {"${level:u8}", "${power_kw:s8}"};
  auto v = validateParams(a, json::parse(R"({"power_kw":20,"mode":"idle","level":1})"), false);
  ASSERT_TRUE(v);
  auto op = buildOp(a, *v);  // 20 * 10 = 200 > 127
  ASSERT_FALSE(op);
  EXPECT_EQ(op.error().reason, "out_of_range");
  a.tmpl.data = std::vector<std::string>(9, "1");
  v = validateParams(a, json::parse(R"({"power_kw":1,"mode":"idle","level":1})"), false);
  EXPECT_FALSE(buildOp(a, *v));
  a.tmpl.data.clear();
  a.tmpl.extended = false;  // 0x18FF50E5 does not fit 11 bits
  EXPECT_FALSE(buildOp(a, *v));
}

TEST(Ops, ModbusRegistersAndCoil) {
  CommandActionConfig a;
  a.name = "setpoint";
  a.kind = "modbus_write";
  a.params = {param("value", "float", 0, 100000), param("on", "bool")};
  a.params[1].required = false;
  a.tmpl.device = "inverter";
  a.tmpl.address = "40";
  a.tmpl.values = {"${value:u32}", "${value}", "${value:f32}"};
  auto v = validateParams(a, json::parse(R"({"value":70000})"), false);
  ASSERT_TRUE(v);
  auto op = buildOp(a, *v);  // u16 of 70000 does not fit
  ASSERT_FALSE(op);
  EXPECT_EQ(op.error().reason, "out_of_range");
  v = validateParams(a, json::parse(R"({"value":1.5})"), false);
  op = buildOp(a, *v);
  ASSERT_TRUE(op) << op.error().detail;
  const auto& m = std::get<ModbusWriteOp>(*op);
  EXPECT_EQ(m.device, "inverter");
  EXPECT_EQ(m.address, 40);
  EXPECT_EQ(m.kind, ModbusWriteOp::Kind::kRegisters);
  // llround(1.5) = 2 as u32 (hi, lo), u16, then 1.5f = 0x3FC00000
  EXPECT_EQ(m.values, (std::vector<std::uint16_t>{0, 2, 2, 0x3FC0, 0x0000}));
  EXPECT_TRUE(m.verify);

  a.tmpl.table = "coil";
  a.tmpl.values = {"${on}"};
  v = validateParams(a, json::parse(R"({"value":1,"on":true})"), false);
  op = buildOp(a, *v);
  ASSERT_TRUE(op);
  EXPECT_EQ(std::get<ModbusWriteOp>(*op).kind, ModbusWriteOp::Kind::kCoil);
  EXPECT_TRUE(std::get<ModbusWriteOp>(*op).coil);
}

TEST(Ops, AtCommandNeverCarriesASecondCommand) {
  CommandActionConfig a;
  a.name = "apn";
  a.kind = "modem_at";
  a.params = {param("apn", "string"), param("mode", "enum")};
  a.params[1].values = {"full", "min"};
  a.params[1].value_map = {{"full", "1"}, {"min", "0"}};
  a.params[1].required = false;
  a.tmpl.command = "AT+CGDCONT=1,\"IP\",\"${apn}\"";
  auto v = validateParams(a, json::parse(R"({"apn":"internet"})"), false);
  ASSERT_TRUE(v);
  auto op = buildOp(a, *v);
  ASSERT_TRUE(op);
  EXPECT_EQ(std::get<ModemAtOp>(*op).command, "AT+CGDCONT=1,\"IP\",\"internet\"");
  for (const char* bad : {R"({"apn":"x\";+CFUN=0"})", R"({"apn":"a;b"})"}) {
    v = validateParams(a, json::parse(bad), false);
    ASSERT_TRUE(v);
    op = buildOp(a, *v);
    ASSERT_FALSE(op) << bad;
    EXPECT_EQ(op.error().reason, "invalid_value");
  }
}

TEST(Params, HomesyncActionFieldIsAParameter) {
  CommandActionConfig a;
  a.name = "relay";
  a.kind = "modbus_write";
  a.params = {param("action", "enum")};
  a.params[0].values = {"on", "off"};
  a.params[0].value_map = {{"on", "1"}, {"off", "0"}};
  a.tmpl.device = "kitchen";
  a.tmpl.table = "coil";
  a.tmpl.address = "0";
  a.tmpl.values = {"${action}"};
  auto v =
      validateParams(a, json::parse(R"({"action":"off","request_id":"r","timestamp":"2025-02-06T14:30:00Z"})"), true);
  ASSERT_TRUE(v) << v.error().detail;
  auto op = buildOp(a, *v);
  ASSERT_TRUE(op);
  EXPECT_FALSE(std::get<ModbusWriteOp>(*op).coil);
}

}  // namespace
}  // namespace tgw::command
