// Profile configuration: bindings (units, aliases, ranges), rules, topic
// templates — every error with its exact message and position.
#include <gtest/gtest.h>

#include "tgw/config/loader.hpp"
#include "tgw/config/topics.hpp"

namespace tgw::config {
namespace {

constexpr const char* kBase = R"(gateway:
  device_id: gw-1
sources:
  - name: sim
    type: simulator
    vehicle: {rate_hz: 10}
    battery: {modules: 4}
    meters:
      - node_id: n1
profiles:
)";  // profiles start at line 11

std::string errorsOf(const std::string& profiles) {
  Diagnostics diag;
  auto cfg = loadString(std::string(kBase) + profiles, "gw.yaml", diag);
  EXPECT_FALSE(cfg.has_value());
  return diag.format();
}

Config load(const std::string& profiles) {
  Diagnostics diag;
  auto cfg = loadString(std::string(kBase) + profiles, "gw.yaml", diag);
  EXPECT_TRUE(cfg.has_value()) << diag.format();
  return cfg.value_or(Config{});
}

TEST(ProfileConfig, BindingsWithUnitsAliasesAndRanges) {
  const Config cfg = load(R"(  dtg:
    aliases:
      sim.vehicle.speed: speed_ms
    signals:
      vehicle_speed: {signal: speed_ms, unit: m/s, min: 0, max: 250}
      engine_rpm: {signal: sim.vehicle.engine_rpm, scale: 0.125, offset: 0}
      fuel_level: {signal: sim.vehicle.fuel_level, unit: ‰}
  bess:
    aliases:
      sim.bess.soc: "34183_00001_00009"
    signals:
      soc: "34183_00001_00009"
    module_temperatures: [sim.bess.module*]
)");
  const auto& speed = cfg.profiles.dtg.signals.at("vehicle_speed");
  EXPECT_EQ(speed.signal, "sim.vehicle.speed");
  EXPECT_EQ(speed.alias, "speed_ms");
  EXPECT_EQ(speed.unit, "m/s");
  EXPECT_EQ(speed.max.value(), 250.0);
  EXPECT_DOUBLE_EQ(cfg.profiles.dtg.signals.at("engine_rpm").scale, 0.125);
  EXPECT_EQ(cfg.profiles.dtg.signals.at("fuel_level").unit, "‰");
  EXPECT_EQ(cfg.profiles.bess.signals.at("soc").signal, "sim.bess.soc");
  EXPECT_EQ(cfg.profiles.bess.device_id, "gw-1");
  // Defaults as documented.
  EXPECT_EQ(cfg.profiles.dtg.telemetry_interval_ms, 1000);
  EXPECT_EQ(cfg.profiles.dtg.status_interval_s, 300);
  EXPECT_EQ(cfg.profiles.dtg.rules.harsh_braking.threshold, -3.5);
  EXPECT_EQ(cfg.profiles.bess.telemetry_interval_ms, 5000);
  EXPECT_EQ(cfg.profiles.bess.logs.level, "warning");
}

TEST(ProfileConfig, UnknownUnitSuggests) {
  EXPECT_EQ(errorsOf("  dtg:\n    signals:\n      vehicle_speed: {signal: sim.vehicle.speed, unit: kmh}\n"),
            "gw.yaml:13:56: profiles.dtg.signals.vehicle_speed.unit: unknown unit 'kmh' (did you mean 'km/h'?)\n");
}

TEST(ProfileConfig, UnitOfAnotherKind) {
  EXPECT_EQ(errorsOf("  dtg:\n    signals:\n      vehicle_speed: {signal: sim.vehicle.speed, unit: rpm}\n"),
            "gw.yaml:13:56: profiles.dtg.signals.vehicle_speed.unit: unit 'rpm' cannot be converted to 'km/h', "
            "the unit of vehicle_speed\n");
}

TEST(ProfileConfig, UnknownFieldSuggests) {
  EXPECT_EQ(errorsOf("  dtg:\n    signals:\n      vehicle_sped: sim.vehicle.speed\n"),
            "gw.yaml:13:7: profiles.dtg.signals.vehicle_sped: unknown key (did you mean 'vehicle_speed'?)\n");
}

TEST(ProfileConfig, UnknownSignalSuggests) {
  EXPECT_EQ(errorsOf("  bess:\n    signals:\n      soc: sim.bess.sco\n"),
            "gw.yaml:13:12: profiles.bess.signals.soc: unknown signal 'sim.bess.sco' (source 'sim' does not "
            "produce it) (did you mean 'sim.bess.soc'?)\n");
}

TEST(ProfileConfig, UnknownAliasSuggests) {
  EXPECT_EQ(errorsOf("  bess:\n    aliases:\n      sim.bess.soc: battery_soc\n    signals:\n      soc: battery_sco\n"),
            "gw.yaml:15:12: profiles.bess.signals.soc: 'battery_sco' is neither a signal (<source>.<name>) nor an "
            "alias from aliases: (did you mean 'battery_soc'?)\n");
}

TEST(ProfileConfig, AliasOfUnknownSignal) {
  EXPECT_EQ(errorsOf("  bess:\n    aliases:\n      sim.bess.sohh: battery_soh\n    signals:\n      soh: battery_soh\n"),
            "gw.yaml:13:7: profiles.bess.aliases.sim.bess.sohh: unknown signal 'sim.bess.sohh' (source 'sim' does "
            "not produce it) (did you mean 'sim.bess.soh'?)\n");
}

TEST(ProfileConfig, DuplicateAlias) {
  EXPECT_EQ(errorsOf("  bess:\n    aliases:\n      sim.bess.soc: x\n      sim.bess.soh: x\n"),
            "gw.yaml:14:21: profiles.bess.aliases.sim.bess.soh: alias 'x' is given to two signals\n");
}

TEST(ProfileConfig, ModuleTemperaturePatternChecked) {
  EXPECT_EQ(errorsOf("  bess:\n    module_temperatures: [sim.bess.modle*, sim.bess.module9.temperature]\n"),
            "gw.yaml:12:27: profiles.bess.module_temperatures[0]: unknown signal 'sim.bess.modle*' (source 'sim' "
            "does not produce it) (did you mean 'sim.bess.modul*'?)\n"
            "gw.yaml:12:44: profiles.bess.module_temperatures[1]: unknown signal 'sim.bess.module9.temperature' "
            "(source 'sim' does not produce it) (did you mean 'sim.bess.module1.temperature'?)\n");
}

TEST(ProfileConfig, RangeAndScaleErrors) {
  EXPECT_EQ(errorsOf("  dtg:\n    signals:\n      vehicle_speed: {signal: sim.vehicle.speed, min: 10, max: 5, "
                     "scale: 0}\n"),
            "gw.yaml:13:64: profiles.dtg.signals.vehicle_speed.max: max (5) must be greater than min (10)\n"
            "gw.yaml:13:74: profiles.dtg.signals.vehicle_speed.scale: scale must not be 0\n");
}

TEST(ProfileConfig, RulesConfigurable) {
  const Config cfg = load(R"(  dtg:
    rules:
      harsh_braking: {threshold: -4.0, clear: -3.0, window_ms: 1500, min_duration_ms: 300, severity: CRITICAL}
      overspeed: {threshold: 90, clear: 85}
      over_rev: {enabled: false}
  bess:
    rules:
      module_temp_critical: {threshold: 60, clear: 50, code: 9002}
      soc_low: {threshold: 10, clear: 15, severity: critical}
)");
  const auto& r = cfg.profiles.dtg.rules;
  EXPECT_EQ(r.harsh_braking.threshold, -4.0);
  EXPECT_EQ(r.harsh_braking.window_ms, 1500);
  EXPECT_EQ(r.harsh_braking.severity, "CRITICAL");
  EXPECT_EQ(r.overspeed.threshold, 90.0);
  EXPECT_EQ(r.overspeed.min_duration_ms, 5000);  // default kept
  EXPECT_FALSE(r.over_rev.enabled);
  EXPECT_EQ(cfg.profiles.bess.rules.module_temp_critical.code, 9002);
  EXPECT_EQ(cfg.profiles.bess.rules.soc_low.severity, "critical");
}

TEST(ProfileConfig, RuleErrors) {
  EXPECT_EQ(errorsOf(R"(  dtg:
    rules:
      overspeed: {threshold: 120, clear: 125}
      harsh_braking: {threshold: 3.5, clear: 4}
      harsh_acceleration: {severity: high}
      overspeeed: {}
  bess:
    rules:
      soc_low: {threshold: 20, clear: 10}
)"),
            "gw.yaml:13:42: profiles.dtg.rules.overspeed.clear: clear (125) must not be above threshold (120): the "
            "rule fires above the threshold and clears below 'clear'\n"
            "gw.yaml:14:34: profiles.dtg.rules.harsh_braking.threshold: threshold (3.5) must be negative (a "
            "deceleration in m/s²)\n"
            "gw.yaml:15:38: profiles.dtg.rules.harsh_acceleration.severity: 'high' is not one of: LOW, MEDIUM, "
            "HIGH, CRITICAL\n"
            "gw.yaml:16:7: profiles.dtg.rules.overspeeed: unknown key (did you mean 'overspeed'?)\n"
            "gw.yaml:19:39: profiles.bess.rules.soc_low.clear: clear (10) must not be below threshold (20): the "
            "rule fires below the threshold and clears above 'clear'\n");
}

TEST(ProfileConfig, TopicTemplateErrors) {
  const std::string long_topic(70000, 'a');
  EXPECT_EQ(errorsOf("  homesync:\n    home_id: h1\n    topics:\n      telemetry: homesync/{home_id}/{node_id}\n"
                     "      online: homesync/{home_id}/#\n      rssi: homesync/{node_id}/{metric}\n"
                     "      relay: " +
                     long_topic + "\n    nodes:\n      - node_id: n1\n"),
            "gw.yaml:14:18: profiles.homesync.topics.telemetry: the topic must contain {metric} (one topic per "
            "metric)\n"
            "gw.yaml:15:15: profiles.homesync.topics.online: wildcards '+' and '#' are not allowed in a topic to "
            "publish to\n"
            "gw.yaml:16:13: profiles.homesync.topics.rssi: unknown placeholder {metric} (allowed here: "
            "{home_id}, {node_id})\n"
            "gw.yaml:17:14: profiles.homesync.topics.relay: topic is 70000 bytes long, MQTT allows 65535\n");
}

TEST(ProfileConfig, DeviceIdThatBreaksTopics) {
  EXPECT_EQ(errorsOf("  bess:\n    device_id: rack+1\n    topics:\n      telemetry: bess/{device_id}/telemetry\n"),
            "gw.yaml:14:18: profiles.bess.topics.telemetry: with the configured ids the topic becomes "
            "'bess/rack+1/telemetry': wildcards '+' and '#' are not allowed in a topic to publish to\n");
}

TEST(ProfileConfig, HomesyncNodeStatusAndTimes) {
  EXPECT_EQ(errorsOf("  homesync:\n    home_id: h1\n    stale_after_s: 30\n    offline_after_s: 30\n    nodes:\n"
                     "      - node_id: n1\n        status:\n          rsi: sim.meter.n1.power\n"),
            "gw.yaml:14:22: profiles.homesync.offline_after_s: offline_after_s (30) must be greater than "
            "stale_after_s (30)\n"
            "gw.yaml:18:11: profiles.homesync.nodes[0].status.rsi: unknown key (did you mean 'rssi'?)\n");
}

TEST(ProfileConfig, BessLogsSection) {
  EXPECT_EQ(errorsOf("  bess:\n    logs: {level: debug, rate_per_s: 0}\n"),
            "gw.yaml:12:19: profiles.bess.logs.level: 'debug' is not one of: info, warning, error\n"
            "gw.yaml:12:38: profiles.bess.logs.rate_per_s: 0 is out of range [0.01, 1000]\n");
}

TEST(Topics, ExpandAndCheck) {
  EXPECT_EQ(expandTopic("homesync/{home_id}/nodes/{node_id}/telemetry/{metric}",
                        {{"home_id", "abc123"}, {"node_id", "node-001"}}),
            "homesync/abc123/nodes/node-001/telemetry/{metric}");
  EXPECT_EQ(checkTopicTemplate("a/{x", {"x"}).value(), "unclosed '{' in topic template");
  EXPECT_EQ(checkTopicTemplate("/a", {}).value(), "topic has an empty level ('//', or '/' at the start or end)");
  EXPECT_FALSE(checkTopicTemplate("bess/alarms/{severity}", {"device_id", "severity"}).has_value());
  for (const char* profile : {"dtg", "bess", "homesync"}) {
    for (const auto& key : topicKeys(profile)) {
      EXPECT_FALSE(checkTopicTemplate(key.default_value, key.placeholders)) << key.default_value;
      EXPECT_FALSE(checkRequiredPlaceholders(key.default_value, key.required)) << key.default_value;
    }
  }
}

}  // namespace
}  // namespace tgw::config
