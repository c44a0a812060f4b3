// dtg: alerts through the profile, inference API, missing/stale/bad readings,
// clock jumps, status on connect, topic templates, unit conversion.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "profiles/dtg_profile.hpp"

namespace tgw::profiles {
namespace {

using nlohmann::json;
constexpr std::int64_t kT0 = 1704931200000;

config::DtgConfig dtgConfig() {
  config::DtgConfig cfg;
  cfg.enabled = true;
  cfg.device_id = "DTG-SN-12345";
  cfg.signals["vehicle_speed"].signal = "can.CCVS1.WheelBasedVehicleSpeed";
  cfg.signals["engine_rpm"].signal = "can.EEC1.EngineSpeed";
  cfg.signals["gps_lat"].signal = "gps.lat";
  cfg.signals["gps_lon"].signal = "gps.lon";
  return cfg;
}

Signal sig(std::string name, SignalValue v, std::string unit, std::int64_t ts) {
  return Signal{std::move(name), std::move(v), std::move(unit), ts, 100};
}

std::vector<Message> ofClass(const std::vector<Message>& all, MessageClass cls) {
  std::vector<Message> out;
  for (const auto& m : all) {
    if (m.cls == cls) out.push_back(m);
  }
  return out;
}

TEST(Dtg, HarshBrakingThroughTheProfileIsOneAlertWithLocation) {
  DtgProfile dtg(dtgConfig());
  std::vector<Message> out;
  dtg.onSignal(sig("gps.lat", 37.5665, "deg", kT0), out);
  dtg.onSignal(sig("gps.lon", 126.978, "deg", kT0), out);
  for (std::int64_t t = 0; t <= 8000; t += 100) {
    const double v = t < 2000 ? 80.0 : (t <= 3500 ? 80.0 - 35.0 * static_cast<double>(t - 2000) / 1500.0 : 45.0);
    dtg.onSignal(sig("can.CCVS1.WheelBasedVehicleSpeed", v, "km/h", kT0 + t), out);
  }
  const auto alerts = ofClass(out, MessageClass::kAlert);
  ASSERT_EQ(alerts.size(), 1U);
  EXPECT_EQ(alerts[0].topic, "glec/dtg/DTG-SN-12345/alerts");
  EXPECT_EQ(alerts[0].qos, 2);
  EXPECT_FALSE(alerts[0].retain);
  const json p = json::parse(alerts[0].payload);
  EXPECT_EQ(p["alert_type"], "HARSH_BRAKING");
  EXPECT_EQ(p["severity"], "HIGH");
  EXPECT_NEAR(p["details"]["deceleration"].get<double>(), -6.5, 0.05);
  EXPECT_EQ(p["details"]["speed_before"], 80.0);
  EXPECT_EQ(p["details"]["speed_after"], 45.0);
  EXPECT_EQ(p["location"]["lat"], 37.5665);
  EXPECT_EQ(p["location"]["lon"], 126.978);
  EXPECT_EQ(p["timestamp"], kT0 + 3500);
  EXPECT_FALSE(p.contains("seq"));
}

TEST(Dtg, OverRevWithNoiseIsOneAlert) {
  DtgProfile dtg(dtgConfig());
  std::vector<Message> out;
  for (std::int64_t t = 0; t <= 60000; t += 100) {
    // Above 4500 rpm from +10 s; from +12 s dipping to 4250 (between clear and threshold) now and then.
    const double rpm = t < 10000 ? 2000.0 : (t <= 12000 || (t / 100) % 5 != 0 ? 4600.0 : 4250.0);
    dtg.onSignal(sig("can.EEC1.EngineSpeed", rpm, "rpm", kT0 + t), out);
  }
  const auto alerts = ofClass(out, MessageClass::kAlert);
  ASSERT_EQ(alerts.size(), 1U);
  EXPECT_EQ(alerts[0].payload,
            R"({"timestamp":1704931212000,"device_id":"DTG-SN-12345","alert_type":"OVER_REV","severity":"LOW",)"
            R"("location":{"lat":null,"lon":null},"details":{"engine_rpm":4600,"limit":4500,"duration_s":2.0}})");
}

TEST(Dtg, UnitConversionFromBinding) {
  auto cfg = dtgConfig();
  cfg.signals["vehicle_speed"].unit = "m/s";
  DtgProfile dtg(cfg);
  std::vector<Message> out;
  dtg.tick(fromUnixMs(kT0), {}, out);
  dtg.onSignal(sig("can.CCVS1.WheelBasedVehicleSpeed", 22.5, "", kT0 + 10), out);
  dtg.tick(fromUnixMs(kT0 + 1000), {}, out);
  ASSERT_EQ(out.size(), 1U);
  EXPECT_EQ(json::parse(out[0].payload)["vehicle_speed"], 81.0);
}

TEST(Dtg, SignalUnitIsConvertedAndWrongKindDropped) {
  DtgProfile dtg(dtgConfig());
  std::vector<Message> out;
  dtg.tick(fromUnixMs(kT0), {}, out);
  dtg.onSignal(sig("can.CCVS1.WheelBasedVehicleSpeed", 50.0, "mph", kT0 + 10), out);
  dtg.onSignal(sig("can.EEC1.EngineSpeed", 900.0, "km/h", kT0 + 10), out);  // a speed is not an rpm
  dtg.tick(fromUnixMs(kT0 + 1000), {}, out);
  ASSERT_EQ(out.size(), 1U);
  const json p = json::parse(out[0].payload);
  EXPECT_EQ(p["vehicle_speed"], 80.47);
  EXPECT_TRUE(p["engine_rpm"].is_null());
  EXPECT_EQ(dtg.counters().at("dropped_unit_mismatch"), 1U);
}

TEST(Dtg, NoDataNoTelemetryAndStaleFieldsAreNull) {
  DtgProfile dtg(dtgConfig());
  std::vector<Message> out;
  for (std::int64_t t = 0; t <= 3000; t += 100) dtg.tick(fromUnixMs(kT0 + t), {}, out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(dtg.counters().at("telemetry_skipped_no_data"), 3U);
  dtg.onSignal(sig("can.CCVS1.WheelBasedVehicleSpeed", 30.0, "km/h", kT0 + 3050), out);
  dtg.onSignal(sig("can.EEC1.EngineSpeed", 1200.0, "rpm", kT0 + 1000), out);  // old reading
  dtg.tick(fromUnixMs(kT0 + 4000), {}, out);
  ASSERT_EQ(out.size(), 1U);
  EXPECT_EQ(out[0].payload,
            R"({"timestamp":1704931204000,"device_id":"DTG-SN-12345","vehicle_speed":30.0,"engine_rpm":1200,)"
            R"("throttle_position":null,"fuel_level":null,"gps":{"lat":null,"lon":null,"speed":null}})");
  // 5 s later the speed is stale; the rpm (from +1 s) too: nothing to send.
  out.clear();
  for (std::int64_t t = 4100; t <= 9000; t += 100) dtg.tick(fromUnixMs(kT0 + t), {}, out);
  ASSERT_EQ(out.size(), 4U);                                   // +5, +6, +7, +8 s; at +9 s the speed is 5.95 s old
  EXPECT_EQ(json::parse(out[1].payload)["engine_rpm"], 1200);  // +6 s: 5 s old, still fresh
  EXPECT_TRUE(json::parse(out[2].payload)["engine_rpm"].is_null());  // +7 s: stale
  EXPECT_EQ(json::parse(out[3].payload)["vehicle_speed"], 30.0);
}

TEST(Dtg, ClockJumpingBackwardsKeepsTelemetryFlowing) {
  DtgProfile dtg(dtgConfig());
  std::vector<Message> out;
  dtg.tick(fromUnixMs(kT0), {}, out);
  dtg.onSignal(sig("can.CCVS1.WheelBasedVehicleSpeed", 30.0, "km/h", kT0), out);
  dtg.tick(fromUnixMs(kT0 + 1000), {}, out);
  ASSERT_EQ(out.size(), 1U);
  // NTP steps the clock back 10 minutes.
  const std::int64_t back = kT0 - 600000;
  dtg.onSignal(sig("can.CCVS1.WheelBasedVehicleSpeed", 31.0, "km/h", back + 1100), out);
  for (std::int64_t t = 1100; t <= 3000; t += 100) dtg.tick(fromUnixMs(back + t), {}, out);
  EXPECT_EQ(dtg.counters().at("clock_backwards"), 1U);
  ASSERT_EQ(out.size(), 2U);  // one telemetry one interval after the step
  const json p = json::parse(out[1].payload);
  EXPECT_EQ(p["timestamp"], back + 2100);
  // The older-stamped reading was not taken over the newer one.
  EXPECT_EQ(dtg.counters().at("dropped_time_backwards"), 1U);
}

TEST(Dtg, StatusOnConnectAndEveryInterval) {
  auto cfg = dtgConfig();
  cfg.status_interval_s = 300;
  DtgProfile dtg(cfg);
  GatewayStats stats;
  stats.uptime_s = 86400.7;
  stats.memory_usage_mb = 45.04;
  stats.storage_available_mb = 1024.6;
  stats.can_messages_received = 86400;
  stats.mqtt_messages_sent = 1440;
  stats.offline_queue_size = 3;
  std::vector<Message> out;
  dtg.onSignal(sig("can.CCVS1.WheelBasedVehicleSpeed", 0.0, "km/h", kT0), out);
  dtg.onConnected(fromUnixMs(kT0), stats, out);
  ASSERT_EQ(out.size(), 1U);
  EXPECT_EQ(out[0].topic, "glec/dtg/DTG-SN-12345/status");
  EXPECT_EQ(out[0].cls, MessageClass::kStatus);
  EXPECT_EQ(out[0].qos, 1);
  EXPECT_EQ(out[0].payload,
            R"({"timestamp":1704931200000,"device_id":"DTG-SN-12345","status":"ONLINE","uptime_seconds":86400,)"
            R"("battery_voltage":null,"memory_usage_mb":45.0,"storage_available_mb":1024,)"
            R"("can_messages_received":86400,"mqtt_messages_sent":1440,"offline_queue_size":3})");
  out.clear();
  for (std::int64_t t = 0; t <= 600000; t += 1000) dtg.tick(fromUnixMs(kT0 + t), stats, out);
  EXPECT_EQ(ofClass(out, MessageClass::kStatus).size(), 2U);  // +300 s, +600 s
}

TEST(Dtg, ConnectionStatusIsRetainedQos1) {
  DtgProfile dtg(dtgConfig());
  const auto on = dtg.connectionStatus(true, "", fromUnixMs(kT0));
  ASSERT_EQ(on.size(), 1U);
  EXPECT_TRUE(on[0].retain);
  EXPECT_EQ(on[0].qos, 1);
  EXPECT_EQ(on[0].payload, R"({"timestamp":1704931200000,"device_id":"DTG-SN-12345","status":"ONLINE"})");
  const auto will = dtg.connectionStatus(false, "unexpected_disconnect", fromUnixMs(kT0));
  EXPECT_EQ(
      will[0].payload,
      R"({"timestamp":1704931200000,"device_id":"DTG-SN-12345","status":"OFFLINE","reason":"unexpected_disconnect"})");
}

TEST(Dtg, TopicTemplates) {
  auto cfg = dtgConfig();
  cfg.topics["alerts"] = "fleet/{device_id}/alerts/critical";
  DtgProfile dtg(cfg);
  EXPECT_EQ(dtg.topic("alerts"), "fleet/DTG-SN-12345/alerts/critical");
  EXPECT_EQ(dtg.topic("telemetry"), "glec/dtg/DTG-SN-12345/telemetry");
}

TEST(Dtg, InferenceFromJson) {
  DtgProfile dtg(dtgConfig());
  std::vector<Message> out;
  auto r = dtg.submitInference(
      R"({"behavior":"ECO_DRIVING","confidence":0.953,"safety_score":95,"fuel_efficiency":6.2,"latency_ms":0.0119})",
      fromUnixMs(kT0), out);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_EQ(out.size(), 1U);
  EXPECT_EQ(out[0].cls, MessageClass::kInference);
  EXPECT_EQ(out[0].topic, "glec/dtg/DTG-SN-12345/inference");
  EXPECT_EQ(out[0].qos, 1);
  EXPECT_EQ(out[0].created_ms, kT0);
  EXPECT_EQ(out[0].payload,
            R"({"timestamp":1704931200000,"device_id":"DTG-SN-12345","behavior":"ECO_DRIVING","confidence":0.953,)"
            R"("safety_score":95,"fuel_efficiency":6.2,"latency_ms":0.0119})");
}

TEST(Dtg, InferenceFromStructWithOwnTimestamp) {
  DtgProfile dtg(dtgConfig());
  std::vector<Message> out;
  InferenceResult r{"AGGRESSIVE", 0.81, 62.5, 9.1, 1.5, kT0 - 500};
  ASSERT_TRUE(dtg.submitInference(r, fromUnixMs(kT0), out).has_value());
  EXPECT_EQ(out[0].payload,
            R"({"timestamp":1704931199500,"device_id":"DTG-SN-12345","behavior":"AGGRESSIVE","confidence":0.81,)"
            R"("safety_score":62.5,"fuel_efficiency":9.1,"latency_ms":1.5})");
}

TEST(Dtg, InvalidInferenceIsRejectedWithReason) {
  DtgProfile dtg(dtgConfig());
  std::vector<Message> out;
  const std::pair<const char*, const char*> cases[] = {
      {"{nope", "dtg inference rejected: not valid JSON"},
      {"[1,2]", "dtg inference rejected: expected a JSON object"},
      {R"({"confidence":0.5,"safety_score":1,"fuel_efficiency":1,"latency_ms":1})",
       "dtg inference rejected: 'behavior' must be a string"},
      {R"({"behavior":"X","confidence":1.5,"safety_score":1,"fuel_efficiency":1,"latency_ms":1})",
       "dtg inference rejected: confidence 1.5 is not in [0, 1]"},
      {R"({"behavior":"X","confidence":0.5,"safety_score":"high","fuel_efficiency":1,"latency_ms":1})",
       "dtg inference rejected: 'safety_score' must be a number"},
      {R"({"behavior":"X","confidence":0.5,"safety_score":1,"fuel_efficiency":1,"latency_ms":1,"speed":3})",
       "dtg inference rejected: unknown key 'speed' (expected behavior, confidence, safety_score, "
       "fuel_efficiency, latency_ms, timestamp)"},
      {R"({"behavior":"X","confidence":0.5,"safety_score":1,"fuel_efficiency":1,"latency_ms":1,"device_id":"other"})",
       "dtg inference rejected: 'device_id' must be this gateway's ('DTG-SN-12345') or left out"},
      {R"({"behavior":"","confidence":0.5,"safety_score":1,"fuel_efficiency":1,"latency_ms":1})",
       "dtg inference rejected: behavior must be 1..64 characters"},
      {R"({"behavior":"X","confidence":0.5,"safety_score":1,"fuel_efficiency":-1,"latency_ms":1})",
       "dtg inference rejected: fuel_efficiency -1 is not >= 0"},
  };
  for (const auto& [input, message] : cases) {
    auto r = dtg.submitInference(input, fromUnixMs(kT0), out);
    ASSERT_FALSE(r.has_value()) << input;
    EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
    EXPECT_EQ(r.error().message, message);
  }
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(dtg.counters().at("inference_rejected"), std::size(cases));
}

TEST(Dtg, BadReadingsNeverMakeBadJson) {
  DtgProfile dtg(dtgConfig());
  std::vector<Message> out;
  dtg.tick(fromUnixMs(kT0), {}, out);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (const SignalValue& v : {SignalValue(nan), SignalValue(inf), SignalValue(-inf), SignalValue(-5.0),
                               SignalValue(1e308), SignalValue(std::string("\xff\xfe")), SignalValue(true)}) {
    dtg.onSignal(sig("can.CCVS1.WheelBasedVehicleSpeed", v, "km/h", kT0 + 10), out);
    dtg.onSignal(sig("gps.lat", v, "deg", kT0 + 10), out);
  }
  dtg.tick(fromUnixMs(kT0 + 1000), {}, out);
  ASSERT_EQ(out.size(), 1U);  // true -> 1 km/h and 1 deg are valid readings
  EXPECT_EQ(json::parse(out[0].payload)["vehicle_speed"], 1.0);
  const auto c = dtg.counters();
  EXPECT_EQ(c.at("dropped_nan"), 6U);
  EXPECT_EQ(c.at("dropped_out_of_range"), 3U);  // -5 km/h, 1e308 km/h, 1e308 deg
  EXPECT_EQ(c.at("dropped_not_number"), 2U);
}

}  // namespace
}  // namespace tgw::profiles
