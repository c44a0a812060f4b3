// homesync relay commands end to end: mosquitto_pub → the real daemon →
// modbus_write (coil, with read-back) on a libmodbus TCP slave → the
// homesync response {request_id, status, result, timestamp}.
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>

#include "support/modbus_slave.hpp"
#include "support/mosquitto.hpp"
#include "support/support.hpp"

namespace tgw::test {
namespace {

TEST(HomesyncCommands, RelayOnOffWithReadBackAndMismatch) {
  Mosquitto broker;
  const int modbus_port = freePort();
  auto slave = ModbusSlave::tcp(modbus_port);
  TempDir dir;
  const std::string response_topic = "homesync/h1/nodes/kitchen/response/command";
  Subscriber sub(broker.port(), response_topic, 1);
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
      - name: kitchen
        unit_id: 1
        interval_ms: 1000
        registers:
          - {name: relay, table: coil, address: 3, type: bool}
profiles:
  homesync:
    home_id: h1
    nodes:
      - node_id: kitchen
        status: {relay: meters.kitchen.relay}
commands:
  actions:
    relay:
      kind: modbus_write
      source: meters
      params:
        action: {type: enum, values: {"on": 1, "off": 0}}
      template: {device: kitchen, table: coil, address: "3", value: "${action}"}
      timeout_ms: 3000
      profiles: [homesync]
      topics: ["homesync/+/nodes/kitchen/command/relay"]
)");
  Process daemon({binaryPath("telemetry-gateway"), "run", "--config", cfg}, {}, dir.file("daemon.log"));
  const auto answer = [&](const std::string& id) {
    nlohmann::json found;
    waitFor(
        [&] {
          for (const auto& line : sub.lines()) {
            auto j = nlohmann::json::parse(line.substr(response_topic.size() + 1), nullptr, false);
            if (!j.is_discarded() && j.value("request_id", "") == id) {
              found = j;
              return true;
            }
          }
          return false;
        },
        std::chrono::seconds(5));
    return found;
  };
  const auto command = [&](const std::string& id, const std::string& action, const std::string& node = "kitchen") {
    return publish(broker.port(), "homesync/h1/nodes/" + node + "/command/relay",
                   R"({"action":")" + action + R"(","request_id":")" + id + "\"}", 1);
  };
  // Ready: the subscription is in place once a probe is answered.
  int probe = 0;
  ASSERT_TRUE(waitFor(
      [&] {
        return command("probe" + std::to_string(++probe), "on") == 0 &&
               !answer("probe" + std::to_string(probe)).is_null();
      },
      std::chrono::seconds(20)))
      << daemon.output();
  EXPECT_TRUE(slave->coil(3));

  ASSERT_EQ(command("off-1", "off"), 0);
  auto j = answer("off-1");
  EXPECT_EQ(j.value("status", ""), "success") << j.dump() << "\n" << daemon.output();
  EXPECT_TRUE(j.contains("result"));
  EXPECT_TRUE(j["timestamp"].is_string());
  EXPECT_FALSE(slave->coil(3));

  ASSERT_EQ(command("bad-1", "toggle"), 0);
  j = answer("bad-1");
  EXPECT_EQ(j.value("status", ""), "error");
  EXPECT_EQ(j.value("result", ""), "invalid_value");

  // The relay does not take the write: the read-back differs → error.
  slave->ignoreWrites(true);
  ASSERT_EQ(command("on-2", "on"), 0);
  j = answer("on-2");
  EXPECT_EQ(j.value("status", ""), "error") << j.dump();
  EXPECT_EQ(j.value("reason", ""), "hardware_error") << j.dump();
  EXPECT_FALSE(slave->coil(3));

  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(), 0) << daemon.output();
}

}  // namespace
}  // namespace tgw::test
