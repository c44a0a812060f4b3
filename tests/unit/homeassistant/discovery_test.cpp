// Home Assistant discovery documents and the published-set bookkeeping.
#include "homeassistant/discovery.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "homeassistant/discovery_publisher.hpp"
#include "homeassistant/slug.hpp"
#include "support/support.hpp"

namespace tgw::homeassistant {
namespace {

using nlohmann::json;

TEST(Slug, ObjectIdsAreLowerAlnumAndUnderscore) {
  EXPECT_EQ(slugify("meter-1"), "meter_1");
  EXPECT_EQ(slugify("Kitchen Meter #2"), "kitchen_meter_2");
  EXPECT_EQ(slugify("Küche"), "k_che");
  EXPECT_EQ(slugify("__a..b__"), "a_b");
  EXPECT_EQ(slugify("***"), "x");
  EXPECT_EQ(slugify(""), "x");
}

TEST(Slug, CollidingNamesGetAStableHashSuffix) {
  const auto a = uniqueSlugs({"a.b", "a-b", "c"});
  ASSERT_EQ(a.size(), 3U);
  EXPECT_NE(a[0], a[1]);
  EXPECT_EQ(a[0].substr(0, 4), "a_b_");
  EXPECT_EQ(a[2], "c");
  // The order of the names does not change a name's slug.
  const auto b = uniqueSlugs({"c", "a-b", "a.b"});
  EXPECT_EQ(b[2], a[0]);
  EXPECT_EQ(b[1], a[1]);
}

config::HomesyncConfig homesync() {
  config::HomesyncConfig hs;
  hs.enabled = true;
  hs.home_id = "home-1";
  config::HomesyncNode n;
  n.node_id = "Kitchen Meter";
  n.metrics["power"].signal = "m.power";
  n.metrics["energy"].signal = "m.energy";
  n.metrics["temperature"].signal = "m.temp";
  n.metrics["power_factor"].signal = "m.pf";
  n.status["relay"].signal = "m.relay";
  n.status["rssi"].signal = "m.rssi";
  n.firmware = "2.1.0";
  hs.nodes.push_back(n);
  config::HomesyncNode m;
  m.node_id = "garage";
  m.metrics["voltage"].signal = "g.voltage";
  hs.nodes.push_back(m);
  return hs;
}

const DiscoveryDoc* find(const std::vector<DiscoveryDoc>& docs, const std::string& topic) {
  for (const auto& d : docs) {
    if (d.topic == topic) return &d;
  }
  return nullptr;
}

TEST(Discovery, SensorsPerMetricWithClassesUnitsAndTopics) {
  config::HomeAssistantConfig ha;
  ha.enabled = true;
  const auto docs = buildDiscovery(homesync(), ha, "9.9");
  ASSERT_EQ(docs.size(), 7U);  // 4 metrics + rssi + relay, 1 metric

  const auto* power = find(docs, "homeassistant/sensor/home_1_kitchen_meter_power/config");
  ASSERT_NE(power, nullptr);
  const auto p = json::parse(power->payload);
  EXPECT_EQ(p["device_class"], "power");
  EXPECT_EQ(p["state_class"], "measurement");
  EXPECT_EQ(p["unit_of_measurement"], "W");
  EXPECT_EQ(p["state_topic"], "homesync/home-1/nodes/Kitchen Meter/telemetry/power");
  EXPECT_EQ(p["value_template"], "{{ value_json.value }}");
  EXPECT_EQ(p["unique_id"], "tgw_home_1_kitchen_meter_power");
  EXPECT_EQ(p["availability"][0]["topic"], "homesync/home-1/nodes/Kitchen Meter/status/online");
  EXPECT_EQ(p["device"]["identifiers"][0], "tgw_home_1_kitchen_meter");
  EXPECT_EQ(p["device"]["name"], "Kitchen Meter");
  EXPECT_EQ(p["device"]["sw_version"], "2.1.0");
  EXPECT_EQ(p["origin"]["sw_version"], "9.9");

  const auto e = json::parse(find(docs, "homeassistant/sensor/home_1_kitchen_meter_energy/config")->payload);
  EXPECT_EQ(e["device_class"], "energy");
  EXPECT_EQ(e["state_class"], "total_increasing");
  EXPECT_EQ(e["unit_of_measurement"], "kWh");
  const auto t = json::parse(find(docs, "homeassistant/sensor/home_1_kitchen_meter_temperature/config")->payload);
  EXPECT_EQ(t["unit_of_measurement"], "°C");
  const auto pf = json::parse(find(docs, "homeassistant/sensor/home_1_kitchen_meter_power_factor/config")->payload);
  EXPECT_FALSE(pf.contains("unit_of_measurement"));
  const auto rssi = json::parse(find(docs, "homeassistant/sensor/home_1_kitchen_meter_rssi/config")->payload);
  EXPECT_EQ(rssi["entity_category"], "diagnostic");
  EXPECT_EQ(rssi["state_topic"], "homesync/home-1/nodes/Kitchen Meter/status/rssi");

  const auto v = json::parse(find(docs, "homeassistant/sensor/home_1_garage_voltage/config")->payload);
  EXPECT_EQ(v["device"]["identifiers"][0], "tgw_home_1_garage");
  EXPECT_FALSE(v["device"].contains("sw_version"));
}

TEST(Discovery, RelayIsASwitchOnTheCommandTopic) {
  config::HomeAssistantConfig ha;
  ha.enabled = true;
  ha.discovery_prefix = "ha";
  const auto docs = buildDiscovery(homesync(), ha, "9.9");
  const auto* relay = find(docs, "ha/switch/home_1_kitchen_meter_relay/config");
  ASSERT_NE(relay, nullptr);
  const auto r = json::parse(relay->payload);
  EXPECT_EQ(r["command_topic"], "homesync/home-1/nodes/Kitchen Meter/command/relay");
  EXPECT_EQ(r["state_topic"], "homesync/home-1/nodes/Kitchen Meter/status/relay");
  EXPECT_EQ(r["value_template"], "{{ value_json.state }}");
  EXPECT_EQ(r["payload_on"], "on");
  EXPECT_EQ(r["state_off"], "off");
  const std::string tmpl = r["command_template"];
  EXPECT_NE(tmpl.find("\"request_id\": \"ha-{{"), std::string::npos) << tmpl;
  EXPECT_NE(tmpl.find("\"action\": \"{{ value }}\""), std::string::npos) << tmpl;
}

struct Recorder {
  std::vector<Message> messages;
  DiscoveryPublisher::Emit emit() {
    return [this](Message m) { messages.push_back(std::move(m)); };
  }
};

TEST(DiscoveryPublisher, RemovesEntitiesOfNodesThatLeftTheConfig) {
  test::TempDir dir;
  const std::string state = dir.file("ha.json");
  config::HomeAssistantConfig ha;
  ha.enabled = true;
  Recorder rec;
  {
    DiscoveryPublisher pub(state, SystemClock::instance(), rec.emit());
    ASSERT_TRUE(pub.apply(ha, homesync(), false));
    EXPECT_TRUE(rec.messages.empty());  // not connected: nothing yet
    pub.onConnected();
    ASSERT_EQ(rec.messages.size(), 7U);
    for (const auto& m : rec.messages) {
      EXPECT_TRUE(m.retain);
      EXPECT_EQ(m.qos, 1);
      EXPECT_FALSE(m.payload.empty());
    }
    pub.onStatus("offline");
    EXPECT_EQ(rec.messages.size(), 7U);
    pub.onStatus("online");  // Home Assistant restarted
    EXPECT_EQ(rec.messages.size(), 14U);
  }
  EXPECT_TRUE(DiscoveryPublisher::hasPublished(state));

  // Restart without the garage node.
  auto hs = homesync();
  hs.nodes.pop_back();
  rec.messages.clear();
  DiscoveryPublisher pub(state, SystemClock::instance(), rec.emit());
  ASSERT_TRUE(pub.apply(ha, hs, true));
  ASSERT_EQ(rec.messages.size(), 1U + 6U);
  EXPECT_EQ(rec.messages[0].topic, "homeassistant/sensor/home_1_garage_voltage/config");
  EXPECT_EQ(rec.messages[0].payload, "");
  EXPECT_TRUE(rec.messages[0].retain);

  // Disabled: everything published is removed, the state file goes away.
  rec.messages.clear();
  ha.enabled = false;
  ASSERT_TRUE(pub.apply(ha, hs, true));
  EXPECT_EQ(rec.messages.size(), 6U);
  for (const auto& m : rec.messages) EXPECT_EQ(m.payload, "");
  EXPECT_FALSE(DiscoveryPublisher::hasPublished(state));
}

}  // namespace
}  // namespace tgw::homeassistant
