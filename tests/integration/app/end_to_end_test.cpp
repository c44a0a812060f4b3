// Hardware recordings and peers → the real daemon → a real broker: what the
// backend sees. candump replay into dtg (issue 6) and a Modbus meter into
// homesync (issue 7).
#include <signal.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/modbus_slave.hpp"
#include "support/mosquitto.hpp"
#include "support/support.hpp"

namespace tgw::test {
namespace {

std::string gateway() { return binaryPath("telemetry-gateway"); }

// The JSON payloads the subscriber saw on `topic`.
std::vector<nlohmann::json> payloadsOn(const Subscriber& sub, const std::string& topic) {
  std::vector<nlohmann::json> out;
  for (const auto& line : sub.lines()) {
    if (line.rfind(topic + " ", 0) != 0) continue;
    auto j = nlohmann::json::parse(line.substr(topic.size() + 1), nullptr, false);
    if (!j.is_discarded()) out.push_back(j);
  }
  return out;
}

TEST(EndToEnd, CandumpReplayIntoDtgTelemetry) {
  Mosquitto broker;
  Subscriber sub(broker.port(), "glec/#", 1);
  TempDir dir;
  const std::string cfg = dir.write("gw.yaml", R"(gateway:
  device_id: truck-7
  state_dir: )" + dir.path().string() + R"(
uplink:
  url: )" + broker.url() + R"(
sources:
  - name: truck
    type: candump
    file: )" + sourcePath("tests/data/can/j1939_truck.candump") + R"(
    pace: fast
    loop: true
    decoders: [j1939]
profiles:
  dtg:
    telemetry_interval_ms: 500
    signals:
      engine_rpm: truck.EEC1.EngineSpeed
)");
  Process p({gateway(), "run", "--config", cfg});
  ASSERT_TRUE(waitFor(
      [&] {
        for (const auto& j : payloadsOn(sub, "glec/dtg/truck-7/telemetry")) {
          if (j.contains("engine_rpm") && j["engine_rpm"].is_number()) return true;
        }
        return false;
      },
      std::chrono::seconds(20)))
      << p.output() << "\n" << ::testing::PrintToString(sub.lines());
  for (const auto& j : payloadsOn(sub, "glec/dtg/truck-7/telemetry")) {
    if (!j.contains("engine_rpm") || !j["engine_rpm"].is_number()) continue;
    // bytes 4-5 of 0CF00400#207D87481400F087, little-endian × 0.125 rpm
    EXPECT_DOUBLE_EQ(j["engine_rpm"].get<double>(), 649.0) << j.dump();
    EXPECT_EQ(j["device_id"], "truck-7");
    EXPECT_TRUE(j["timestamp"].is_number_integer());
  }
  // The status report counts the CAN frames the replay delivered.
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(std::chrono::seconds(15)), 0) << p.output();
  const auto status = payloadsOn(sub, "glec/dtg/truck-7/status");
  ASSERT_FALSE(status.empty());
  bool saw_frames = false;
  for (const auto& s : status) {
    if (s.contains("can_messages_received") && s["can_messages_received"].get<double>() > 0) saw_frames = true;
  }
  EXPECT_TRUE(saw_frames) << ::testing::PrintToString(sub.lines());
}

TEST(EndToEnd, ModbusMeterIntoHomesyncWithNodeOfflineAndBack) {
  const int modbus_port = freePort();
  auto slave = ModbusSlave::tcp(modbus_port);
  slave->setInputFloat(0x0000, 230.5f);   // voltage
  slave->setInputFloat(0x0006, 0.55f);    // current
  slave->setInputFloat(0x000C, 125.5f);   // active power
  slave->setInputFloat(0x001E, 0.99f);    // power factor
  slave->setInputFloat(0x0046, 50.0f);    // frequency
  slave->setInputFloat(0x0156, 1234.5f);  // total energy
  Mosquitto broker;
  Subscriber sub(broker.port(), "homesync/#", 1);
  TempDir dir;
  const std::string cfg = dir.write("gw.yaml", R"(gateway:
  device_id: hs-1
  state_dir: )" + dir.path().string() + R"(
uplink:
  url: )" + broker.url() + R"(
sources:
  - name: meters
    type: modbus_tcp
    host: 127.0.0.1
    port: )" + std::to_string(modbus_port) + R"(
    devices:
      - {name: kitchen, unit_id: 1, map: sdm120, interval_ms: 200, timeout_ms: 200}
profiles:
  homesync:
    home_id: home-9
    telemetry_interval_ms: 500
    offline_after_s: 2
    stale_after_s: 1
    nodes:
      - node_id: kitchen
        metrics:
          power: meters.kitchen.power
          voltage: meters.kitchen.voltage
          energy: meters.kitchen.energy
          frequency: meters.kitchen.frequency
          power_factor: meters.kitchen.power_factor
)");
  Process p({gateway(), "run", "--config", cfg});
  const std::string base = "homesync/home-9/nodes/kitchen/";
  ASSERT_TRUE(waitFor(
      [&] {
        return !payloadsOn(sub, base + "telemetry/energy").empty() &&
               !payloadsOn(sub, base + "telemetry/power").empty() &&
               !payloadsOn(sub, base + "telemetry/voltage").empty();
      },
      std::chrono::seconds(20)))
      << p.output();
  const auto power = payloadsOn(sub, base + "telemetry/power");
  ASSERT_FALSE(power.empty());
  EXPECT_DOUBLE_EQ(power.back()["value"].get<double>(), 125.5);
  EXPECT_EQ(power.back()["unit"], "W");
  EXPECT_EQ(power.back()["quality"], 100);
  EXPECT_EQ(power.back()["timestamp"].get<std::string>().back(), 'Z');
  EXPECT_DOUBLE_EQ(payloadsOn(sub, base + "telemetry/voltage").back()["value"].get<double>(), 230.5);
  EXPECT_DOUBLE_EQ(payloadsOn(sub, base + "telemetry/energy").back()["value"].get<double>(), 1234.5);

  // The meter stops answering: the node is published offline (retained) ...
  slave->mute(true);
  ASSERT_TRUE(waitFor(
      [&] {
        for (const auto& j : payloadsOn(sub, base + "status/online")) {
          if (j["online"] == false && j["reason"] == "node_unresponsive") return true;
        }
        return false;
      },
      std::chrono::seconds(20)))
      << ::testing::PrintToString(sub.lines());
  // ... and back online when it answers again.
  const std::size_t before = payloadsOn(sub, base + "status/online").size();
  slave->mute(false);
  ASSERT_TRUE(waitFor(
      [&] {
        const auto s = payloadsOn(sub, base + "status/online");
        return s.size() > before && s.back()["online"] == true;
      },
      std::chrono::seconds(20)))
      << ::testing::PrintToString(sub.lines());
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(std::chrono::seconds(15)), 0) << p.output();
  const auto retained_online = retained(broker.port(), base + "status/online");
  ASSERT_EQ(retained_online.size(), 1U);
  EXPECT_NE(retained_online[0].find("\"reason\":\"shutdown\""), std::string::npos) << retained_online[0];
}

}  // namespace
}  // namespace tgw::test
