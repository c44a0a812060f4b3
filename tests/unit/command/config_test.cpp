// The commands: section: defaults, the action table, errors with positions.
#include <gtest/gtest.h>

#include "tgw/config/loader.hpp"
#include "unit/command/engine_fixture.hpp"

namespace tgw::command::test {
namespace {

std::string loadErrors(const std::string& yaml) {
  config::Diagnostics diag;
  auto cfg = config::loadString(yaml, "c.yaml", diag);
  return diag.format();
}

TEST(CommandsConfig, DefaultsAndTable) {
  config::Diagnostics diag;
  auto cfg = config::loadString(engineYaml("/tmp/x"), "c.yaml", diag);
  ASSERT_TRUE(cfg) << diag.format();
  const auto& c = cfg->commands;
  EXPECT_TRUE(c.enabled);
  EXPECT_EQ(c.max_age_s, 300);
  EXPECT_EQ(c.retention_h, 168);
  EXPECT_EQ(c.ledger_path, "/tmp/x/commands.db");
  EXPECT_FALSE(c.hmac.required);
  ASSERT_EQ(c.actions.size(), 3u);
  const auto& radio = c.actions[0];
  EXPECT_EQ(radio.name, "radio");
  EXPECT_EQ(radio.kind, "modem_at");
  EXPECT_EQ(radio.params.at(0).value_map.at("off"), "4");
  EXPECT_EQ(radio.rate_max, 3);
  EXPECT_EQ(radio.timeout_ms, 2000);
}

TEST(CommandsConfig, AbsentSectionMeansNoCommands) {
  config::Diagnostics diag;
  auto cfg = config::loadString("gateway: {device_id: x}\nprofiles: {dtg: {}}\n", "c.yaml", diag);
  ASSERT_TRUE(cfg) << diag.format();
  EXPECT_FALSE(cfg->commands.enabled);
}

TEST(CommandsConfig, ErrorsNameFileLineColumnAndKey) {
  std::string yaml = engineYaml("/tmp/x", R"(    bad_source:
      kind: modem_at
      source: modme
      template: {command: "AT"}
    bad_kind:
      kind: shell
      source: modem
    bad_ref:
      kind: modem_at
      source: meters
      template: {command: "AT+X=${nope}"}
    bad_device:
      kind: modbus_write
      source: meters
      params: {v: {type: int, min: 5, max: 1}}
      template: {device: attic, address: "1", values: ["${v:u64}"]}
    two_at:
      kind: modem_at
      source: modem
      template: {command: "AT+CFUN=0;+CFUN=1"}
    enum_empty:
      kind: modem_at
      source: modem
      params: {m: {type: enum}}
      template: {command: "AT", colour: red}
)");
  const std::string out = loadErrors(yaml);
  for (const char* expected : {
           "commands.actions.bad_source.source: no source named 'modme' (did you mean 'modem'?)",
           "commands.actions.bad_kind.kind: 'shell' is not one of",
           "commands.actions.bad_ref.template.command: ${nope} names no parameter",
           "commands.actions.bad_ref.source: source 'meters' is of type modbus_tcp, which cannot carry modem_at",
           "commands.actions.bad_device.template.device: source 'meters' has no device named 'attic'",
           "commands.actions.bad_device.params.v.max: must not be smaller than min",
           "commands.actions.bad_device.template.values: encoding ':u64' is not allowed here",
           "commands.actions.two_at.template.command: one AT command only",
           "commands.actions.enum_empty.params.m.values: an enum parameter needs its allowed values",
           "commands.actions.enum_empty.template.colour: unknown key",
       }) {
    EXPECT_NE(out.find(expected), std::string::npos) << expected << "\n" << out;
  }
  EXPECT_NE(out.find("c.yaml:"), std::string::npos);
  // Position of the misspelt value: line 49 (after the 45 lines of the base table), column 15.
  EXPECT_NE(out.find("c.yaml:49:15: commands.actions.bad_source.source"), std::string::npos) << out;
}

TEST(CommandsConfig, HmacRequiresAKeyAndRetentionCoversTheWindows) {
  const std::string out =
      loadErrors(engineYaml("/tmp/x", "  hmac: {required: true, window_s: 7200}\n  retention_h: 1\n"));
  EXPECT_NE(out.find("commands.hmac.key_file: signatures are required but no key is given"), std::string::npos) << out;
  EXPECT_NE(out.find("commands.retention_h: must cover max_age_s"), std::string::npos) << out;
}

}  // namespace
}  // namespace tgw::command::test
