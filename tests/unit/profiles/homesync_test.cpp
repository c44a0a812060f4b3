// homesync: node status values (relay, firmware, rssi), quality, the
// connection status per node, and thread-safe connectionStatus().
#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "profiles/homesync_profile.hpp"

namespace tgw::profiles {
namespace {

using nlohmann::json;
constexpr std::int64_t kT0 = 1738852200000;  // 2025-02-06T14:30:00Z

config::HomesyncConfig homesyncConfig() {
  config::HomesyncConfig cfg;
  cfg.enabled = true;
  cfg.home_id = "abc123";
  config::HomesyncNode n;
  n.node_id = "node-001";
  n.metrics["power"].signal = "mb.n1.power";
  n.status["relay"].signal = "mb.n1.relay";
  n.status["firmware"].signal = "mb.n1.fw";
  n.status["rssi"].signal = "mb.n1.rssi";
  n.status["uptime"].signal = "mb.n1.uptime";
  cfg.nodes.push_back(n);
  return cfg;
}

Signal sig(std::string name, SignalValue v, std::string unit, std::int64_t ts, int quality = 100) {
  return Signal{std::move(name), std::move(v), std::move(unit), ts, quality};
}

std::vector<std::string> lines(const std::vector<Message>& out) {
  std::vector<std::string> l;
  for (const auto& m : out) l.push_back(m.topic + (m.retain ? " retained " : " ") + m.payload);
  return l;
}

TEST(Homesync, StatusValuesWhenKnownAndOnChange) {
  HomesyncProfile hs(homesyncConfig());
  std::vector<Message> out;
  hs.tick(fromUnixMs(kT0), {}, out);
  EXPECT_TRUE(out.empty());
  hs.onSignal(sig("mb.n1.relay", std::string("on"), "", kT0 + 100), out);
  hs.onSignal(sig("mb.n1.fw", std::string("2.0.1"), "", kT0 + 100), out);
  hs.onSignal(sig("mb.n1.rssi", -67.4, "dBm", kT0 + 100), out);
  hs.onSignal(sig("mb.n1.uptime", 3600.0, "s", kT0 + 100), out);
  hs.tick(fromUnixMs(kT0 + 1000), {}, out);
  const auto l = lines(out);
  ASSERT_EQ(l.size(), 4U);
  EXPECT_EQ(l[0], R"(homesync/abc123/nodes/node-001/status/online retained {"online":true,)"
                  R"("timestamp":"2025-02-06T14:30:01Z","uptime":3600,"firmware":"2.0.1"})");
  EXPECT_EQ(l[1], R"(homesync/abc123/nodes/node-001/status/relay retained {"state":"on",)"
                  R"("timestamp":"2025-02-06T14:30:00Z"})");
  EXPECT_EQ(l[2], R"(homesync/abc123/nodes/node-001/status/firmware retained {"version":"2.0.1",)"
                  R"("timestamp":"2025-02-06T14:30:00Z"})");
  EXPECT_EQ(l[3], R"(homesync/abc123/nodes/node-001/status/rssi retained {"value":-67,"unit":"dBm",)"
                  R"("timestamp":"2025-02-06T14:30:00Z"})");
  // Same relay and firmware again: nothing; rssi only every status_interval_s.
  out.clear();
  for (int s = 2; s < 20; ++s) {
    hs.onSignal(sig("mb.n1.relay", true, "", kT0 + s * 1000), out);
    hs.onSignal(sig("mb.n1.fw", std::string("2.0.1"), "", kT0 + s * 1000), out);
    hs.onSignal(sig("mb.n1.rssi", -70.0, "dBm", kT0 + s * 1000), out);
    hs.tick(fromUnixMs(kT0 + s * 1000), {}, out);
  }
  EXPECT_TRUE(out.empty()) << lines(out)[0];
  hs.onSignal(sig("mb.n1.relay", std::string("off"), "", kT0 + 20000), out);
  hs.onSignal(sig("mb.n1.relay", std::string("maybe"), "", kT0 + 20000), out);  // dropped, counted
  hs.tick(fromUnixMs(kT0 + 20000), {}, out);
  ASSERT_EQ(out.size(), 1U);
  EXPECT_EQ(json::parse(out[0].payload)["state"], "off");
  EXPECT_EQ(hs.counters().at("dropped_not_number"), 1U);
}

TEST(Homesync, QualityFallsWithAge) {
  HomesyncProfile hs(homesyncConfig());  // stale 15 s, offline 30 s
  EXPECT_EQ(hs.quality(100, 0), 100);
  EXPECT_EQ(hs.quality(90, 15000), 90);
  EXPECT_EQ(hs.quality(100, 20000), 67);
  EXPECT_EQ(hs.quality(100, 30000), 0);
  EXPECT_EQ(hs.quality(100, 90000), 0);
  EXPECT_EQ(hs.quality(250, 0), 100);
}

TEST(Homesync, ConnectionStatusPerNodeWithReasons) {
  auto cfg = homesyncConfig();
  config::HomesyncNode n2;
  n2.node_id = "node-002";
  n2.metrics["power"].signal = "mb.n2.power";
  cfg.nodes.push_back(n2);
  HomesyncProfile hs(cfg);
  std::vector<Message> out;
  hs.tick(fromUnixMs(kT0), {}, out);
  for (int s = 1; s <= 40; ++s) {
    hs.onSignal(sig("mb.n1.power", 100.0, "W", kT0 + s * 1000), out);
    hs.tick(fromUnixMs(kT0 + s * 1000), {}, out);
  }
  // node-002 never answered: offline after offline_after_s.
  auto on = hs.connectionStatus(true, "", fromUnixMs(kT0 + 41000));
  ASSERT_EQ(on.size(), 2U);
  EXPECT_EQ(json::parse(on[0].payload)["online"], true);
  EXPECT_EQ(on[1].payload, R"({"online":false,"reason":"node_unresponsive"})");
  const auto down = hs.connectionStatus(false, "shutdown", fromUnixMs(kT0 + 41000));
  EXPECT_EQ(down[0].payload, R"({"online":false,"reason":"shutdown"})");
  EXPECT_EQ(down[1].topic, "homesync/abc123/nodes/node-002/status/online");
  const auto odd = hs.connectionStatus(false, "broker said no", fromUnixMs(kT0 + 41000));
  EXPECT_EQ(odd[0].payload, R"({"online":false,"reason":"unexpected_disconnect"})");
  for (const auto& m : odd) {
    EXPECT_TRUE(m.retain);
    EXPECT_EQ(m.qos, 1);
    EXPECT_EQ(m.cls, MessageClass::kStatus);
  }
}

TEST(Homesync, ConnectionStatusFromAnotherThreadWhileTicking) {
  HomesyncProfile hs(homesyncConfig());
  std::atomic<bool> stop{false};
  std::thread uplink([&] {
    while (!stop) {
      const auto m = hs.connectionStatus(true, "", fromUnixMs(kT0));
      ASSERT_EQ(m.size(), 1U);
    }
  });
  std::vector<Message> out;
  for (int i = 0; i < 2000; ++i) {
    hs.onSignal(sig("mb.n1.power", 100.0 + i, "W", kT0 + i * 100), out);
    hs.tick(fromUnixMs(kT0 + i * 100), {}, out);
  }
  stop = true;
  uplink.join();
  EXPECT_FALSE(out.empty());
}

TEST(Homesync, ClockBackwardsCountedAndTelemetryContinues) {
  HomesyncProfile hs(homesyncConfig());
  std::vector<Message> out;
  hs.tick(fromUnixMs(kT0), {}, out);
  hs.onSignal(sig("mb.n1.power", 100.0, "W", kT0 + 500), out);
  const std::int64_t back = kT0 - 3600000;
  for (int s = 1; s <= 25; ++s) {
    hs.onSignal(sig("mb.n1.power", 120.0, "W", back + s * 1000), out);
    hs.tick(fromUnixMs(back + s * 1000), {}, out);
  }
  EXPECT_EQ(hs.counters().at("clock_backwards"), 1U);
  int telemetry = 0;
  for (const auto& m : out) telemetry += m.cls == MessageClass::kTelemetry ? 1 : 0;
  EXPECT_EQ(telemetry, 2);  // +11 s and +21 s after the step
  // Readings made after the step replace the one stamped before it.
  EXPECT_EQ(json::parse(out.back().payload)["value"], 120.0);
  EXPECT_EQ(json::parse(out.back().payload)["timestamp"], "2025-02-06T13:30:21Z");
  EXPECT_EQ(hs.counters().at("dropped_time_backwards"), 1U);
}

}  // namespace
}  // namespace tgw::profiles
