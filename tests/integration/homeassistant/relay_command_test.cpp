// A Home Assistant relay switch end to end: the daemon announces the switch,
// "Home Assistant" (this test) publishes what the switch's command_template
// renders to its command_topic, the command engine writes the coil of a real
// Modbus TCP slave once, answers on the homesync response topic, and a
// redelivery of the same request id does not touch the hardware again.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "support/modbus_slave.hpp"
#include "support/mosquitto.hpp"
#include "support/support.hpp"

namespace tgw::test {
namespace {

using nlohmann::json;
using std::chrono::seconds;

constexpr int kRelayCoil = 5;

std::string config(const TempDir& dir, const Mosquitto& broker, int modbus_port) {
  return dir.write("gw.yaml", fmt::format(R"(gateway:
  device_id: gw-1
  state_dir: {}
uplink:
  url: {}
sources:
  - name: meters
    type: modbus_tcp
    host: 127.0.0.1
    port: {}
    devices:
      - name: kitchen
        unit_id: 1
        interval_ms: 200
        registers:
          - {{name: power, table: input, address: 0, type: f32, unit: W}}
          - {{name: relay, table: coil, address: {}}}
profiles:
  homesync:
    enabled: true
    home_id: h1
    telemetry_interval_ms: 500
    nodes:
      - node_id: kitchen
        metrics:
          power: meters.kitchen.power
        status:
          relay: meters.kitchen.relay
commands:
  actions:
    relay:
      kind: modbus_write
      source: meters
      profiles: [homesync]
      params:
        action: {{type: enum, values: {{"on": "1", "off": "0"}}}}
      template: {{device: kitchen, table: coil, address: "{}", values: ["${{action}}"]}}
homeassistant:
  enabled: true
)",
                                          dir.path().string(), broker.url(), modbus_port, kRelayCoil, kRelayCoil));
}

// What the switch's command_template renders in Home Assistant for `value`.
std::string haCommand(const std::string& value, const std::string& request_id) {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  const std::string iso = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.123456+00:00", tm.tm_year + 1900,
                                      tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return fmt::format(R"({{"action": "{}", "request_id": "{}", "timestamp": "{}"}})", value, request_id, iso);
}

TEST(HomeAssistantRelay, SwitchCommandGoesThroughTheCommandEngineExactlyOnce) {
  const int modbus_port = freePort();
  auto slave = ModbusSlave::tcp(modbus_port);
  slave->setInputFloat(0, 850.0F);
  slave->setCoil(kRelayCoil, false);
  Mosquitto broker;
  TempDir dir;
  Process gw({binaryPath("telemetry-gateway"), "run", "--config", config(dir, broker, modbus_port)},
             {{"DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/tgw-test-bus"}});

  // The switch as Home Assistant sees it.
  std::string doc;
  ASSERT_TRUE(waitFor(
      [&] {
        if (!gw.running()) return true;
        const auto r = retained(broker.port(), "homeassistant/switch/h1_kitchen_relay/config");
        if (r.empty()) return false;
        doc = r[0].substr(r[0].find(' ') + 1);
        return true;
      },
      seconds(30)))
      << gw.output();
  ASSERT_TRUE(gw.running()) << gw.output();
  const auto sw = json::parse(doc);
  const std::string command_topic = sw["command_topic"];
  EXPECT_EQ(command_topic, "homesync/h1/nodes/kitchen/command/relay");
  EXPECT_EQ(sw["state_topic"], "homesync/h1/nodes/kitchen/status/relay");

  Subscriber responses(broker.port(), "homesync/h1/nodes/kitchen/response/#", 1);
  Subscriber relay_state(broker.port(), "homesync/h1/nodes/kitchen/status/relay", 1);
  ASSERT_TRUE(relay_state.waitForText(R"("state":"off")", seconds(15))) << gw.output();

  // Toggle on.
  const std::string command = haCommand("on", "ha-1732316400123-482913");
  ASSERT_EQ(publish(broker.port(), command_topic, command, 1), 0);
  ASSERT_TRUE(waitFor([&] { return slave->coil(kRelayCoil); }, seconds(15))) << gw.output();
  ASSERT_TRUE(responses.waitForText("ha-1732316400123-482913", seconds(15))) << gw.output();
  ASSERT_TRUE(waitFor([&] {
    for (const auto& line : responses.lines()) {
      if (line.find("ha-1732316400123-482913") != std::string::npos && line.find("success") != std::string::npos) {
        return true;
      }
    }
    return false;
  })) << gw.output();
  EXPECT_TRUE(relay_state.waitForText(R"("state":"on")", seconds(15))) << gw.output();

  // The same request again (a QoS 1 redelivery): answered from the ledger,
  // the coil is not written again.
  slave->setCoil(kRelayCoil, false);
  ASSERT_TRUE(relay_state.waitForText(R"("state":"off")", seconds(15)));
  const std::size_t before = responses.lines().size();
  ASSERT_EQ(publish(broker.port(), command_topic, command, 1), 0);
  ASSERT_TRUE(responses.waitForLines(before + 1, seconds(15))) << gw.output();
  EXPECT_NE(responses.lines().back().find("ha-1732316400123-482913"), std::string::npos);
  EXPECT_FALSE(slave->coil(kRelayCoil));

  gw.signal(SIGTERM);
  EXPECT_EQ(gw.wait(seconds(15)), 0) << gw.output();
}

}  // namespace
}  // namespace tgw::test
