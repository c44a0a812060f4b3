// Home Assistant MQTT discovery, end to end: the real daemon (simulated
// meters -> homesync) and a real mosquitto; the retained discovery documents
// are read back from the broker. Birth message, reconnect and node removal.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "support/mosquitto.hpp"
#include "support/support.hpp"

namespace tgw::test {
namespace {

using nlohmann::json;
using std::chrono::seconds;

constexpr const char* kMetrics[] = {"power",        "voltage",   "current",    "energy",
                                    "power_factor", "frequency", "temperature"};

std::string config(const TempDir& dir, const Mosquitto& broker, const std::vector<std::string>& nodes) {
  std::string meters;
  std::string hs_nodes;
  for (const auto& n : nodes) {
    meters += "      - node_id: " + n + "\n        base_power_w: 500\n";
    hs_nodes += "      - node_id: " + n + "\n        firmware: \"1.0\"\n        metrics:\n";
    for (const char* m : kMetrics) hs_nodes += std::string("          ") + m + ": sim.meter." + n + "." + m + "\n";
  }
  return dir.write("gw.yaml", "gateway:\n  device_id: gw-1\n  state_dir: " + dir.path().string() +
                                  "\nuplink:\n  url: " + broker.url() +
                                  "\nsources:\n  - name: sim\n    type: simulator\n    meter_rate_hz: 5\n"
                                  "    meters:\n" +
                                  meters +
                                  "profiles:\n  homesync:\n    enabled: true\n    home_id: Home-1\n"
                                  "    telemetry_interval_ms: 500\n    nodes:\n" +
                                  hs_nodes + "homeassistant:\n  enabled: true\n");
}

// Retained discovery documents: topic -> payload.
std::map<std::string, std::string> discovery(const Mosquitto& broker) {
  std::map<std::string, std::string> out;
  for (const auto& line : retained(broker.port(), "homeassistant/+/+/config")) {
    const auto sp = line.find(' ');
    out[line.substr(0, sp)] = sp == std::string::npos ? "" : line.substr(sp + 1);
  }
  return out;
}

bool hasAll(const std::map<std::string, std::string>& docs, const std::string& node) {
  return std::all_of(std::begin(kMetrics), std::end(kMetrics), [&](const char* m) {
    return docs.count("homeassistant/sensor/home_1_" + node + "_" + m + "/config") != 0;
  });
}

class Gateway {
 public:
  Gateway(const std::string& cfg)
      : process_({binaryPath("telemetry-gateway"), "run", "--config", cfg},
                 // No D-Bus here: a bus address that does not exist.
                 {{"DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/tgw-test-bus"}}) {}
  ~Gateway() {
    if (process_.running()) process_.kill();
  }
  Process& process() { return process_; }
  void stop() {
    process_.signal(SIGTERM);
    EXPECT_EQ(process_.wait(seconds(15)), 0) << process_.output();
  }

 private:
  Process process_;
};

TEST(HomeAssistantDiscovery, RetainedDocumentsBirthReconnectAndRemoval) {
  Mosquitto broker;
  TempDir dir;
  std::map<std::string, std::string> docs;
  {
    Gateway gw(config(dir, broker, {"kitchen", "Heat-Pump"}));
    ASSERT_TRUE(waitFor(
        [&] {
          if (!gw.process().running()) return true;  // failed to start: the output says why
          docs = discovery(broker);
          return hasAll(docs, "kitchen") && hasAll(docs, "heat_pump");
        },
        seconds(30)))
        << gw.process().output();
    ASSERT_TRUE(gw.process().running()) << gw.process().output();
    EXPECT_EQ(docs.size(), 14U);

    const auto energy = json::parse(docs.at("homeassistant/sensor/home_1_heat_pump_energy/config"));
    EXPECT_EQ(energy["device_class"], "energy");
    EXPECT_EQ(energy["state_class"], "total_increasing");
    EXPECT_EQ(energy["unit_of_measurement"], "kWh");
    EXPECT_EQ(energy["state_topic"], "homesync/Home-1/nodes/Heat-Pump/telemetry/energy");
    EXPECT_EQ(energy["value_template"], "{{ value_json.value }}");
    EXPECT_EQ(energy["availability"][0]["topic"], "homesync/Home-1/nodes/Heat-Pump/status/online");
    EXPECT_EQ(energy["device"]["name"], "Heat-Pump");
    EXPECT_EQ(energy["device"]["identifiers"][0], "tgw_home_1_heat_pump");
    const auto power = json::parse(docs.at("homeassistant/sensor/home_1_kitchen_power/config"));
    EXPECT_EQ(power["state_class"], "measurement");
    EXPECT_EQ(power["unit_of_measurement"], "W");

    // The state topic really carries what value_template reads, and the
    // availability topic says online.
    const auto state = retained(broker.port(), "homesync/Home-1/nodes/kitchen/status/online");
    ASSERT_FALSE(state.empty());
    EXPECT_TRUE(json::parse(state[0].substr(state[0].find(' ') + 1))["online"].get<bool>());
    Subscriber telemetry(broker.port(), "homesync/Home-1/nodes/kitchen/telemetry/power", 0);
    ASSERT_TRUE(telemetry.waitForLines(1, seconds(10)));
    const std::string line = telemetry.lines()[0];
    EXPECT_TRUE(json::parse(line.substr(line.find(' ') + 1))["value"].is_number()) << line;

    // Home Assistant restarts (its retained config lost here on purpose):
    // the birth message brings it back.
    const std::string topic = "homeassistant/sensor/home_1_kitchen_voltage/config";
    ASSERT_EQ(publish(broker.port(), topic, "", 1, true), 0);
    ASSERT_EQ(discovery(broker).count(topic), 0U);
    ASSERT_EQ(publish(broker.port(), "homeassistant/status", "online", 1, false), 0);
    EXPECT_TRUE(waitFor([&] { return discovery(broker).count(topic) == 1; }, seconds(15))) << gw.process().output();

    // The broker restarts without persistence (all retained messages gone):
    // the daemon reconnects and publishes everything again.
    broker.stop();
    broker.start();
    EXPECT_TRUE(waitFor(
        [&] {
          docs = discovery(broker);
          return hasAll(docs, "kitchen") && hasAll(docs, "heat_pump");
        },
        seconds(30)))
        << gw.process().output();
    gw.stop();
  }

  // The heat pump leaves the config: its entities are removed at the next start.
  {
    Gateway gw(config(dir, broker, {"kitchen"}));
    EXPECT_TRUE(waitFor(
        [&] {
          docs = discovery(broker);
          return hasAll(docs, "kitchen") && docs.size() == 7U;
        },
        seconds(30)))
        << gw.process().output();
    for (const auto& [t, p] : docs) EXPECT_EQ(t.find("heat_pump"), std::string::npos) << t;
    gw.stop();
  }
}

}  // namespace
}  // namespace tgw::test
