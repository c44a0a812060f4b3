// The SIM7080G MQTT fallback against a scripted modem on a pty that relays
// to a real mosquitto (fake_sim7080.hpp): what the "modem" publishes is seen
// by a broker-side subscriber, commands published on the broker reach the
// gateway as +SMSUB URCs. Then FailoverUplink with the real Forwarder and
// SQLite queue: IP down -> modem -> IP back, nothing lost, order kept.
#include <gtest/gtest.h>

#include "fake_sim7080.hpp"
#include "queue/forwarder.hpp"
#include "queue/sqlite/sqlite_queue.hpp"
#include "support/mosquitto.hpp"
#include "support/time_scale.hpp"
#include "uplink/failover/failover_uplink.hpp"
#include "uplink/modem/modem_mqtt_uplink.hpp"
#include "uplink/paho/paho_uplink.hpp"
#include "uplink_rig.hpp"
#include "ws_support.hpp"

namespace tgw::test {
namespace {

config::UplinkConfig modemConfig(const FakeSim7080& modem, int broker_port, const std::string& ip_url) {
  auto cfg = testConfig(ip_url, "gw-7080");
  cfg.modem.enabled = true;
  cfg.modem.device = modem.path();
  cfg.modem.url = "127.0.0.1:" + std::to_string(broker_port);
  cfg.modem.keepalive_s = 30;
  cfg.modem.command_timeout_ms = 1500;
  cfg.modem.connect_timeout_ms = 5000;
  cfg.modem.health_interval_s = 1;
  cfg.modem.failover_after_s = 1;
  return cfg;
}

bool has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

struct ModemRig {
  explicit ModemRig(config::UplinkConfig cfg) : listener(lt.loop()) {
    uplink = std::make_unique<uplink::ModemMqttUplink>(lt.loop(), std::move(cfg), SystemClock::instance());
    uplink->setListener(&listener);
    uplink->setStatusProvider(statusProvider("gw/status"));
    uplink->setSubscriptions({{"gw/cmd", 1}});
  }
  ~ModemRig() {
    lt.sync([this] { uplink.reset(); });
  }
  bool send(std::uint64_t token, const std::string& topic, const std::string& payload) {
    bool ok = false;
    Message m;
    m.topic = topic;
    m.payload = payload;
    m.qos = 1;
    lt.sync([&] { ok = uplink->send(token, m); });
    return ok;
  }
  LoopThread lt;
  RecordingListener listener;
  std::unique_ptr<uplink::ModemMqttUplink> uplink;
};

TEST(ModemUplink, PublishesReceivesCommandsAndWatchesHealthThroughTheModem) {
  Mosquitto broker;
  Subscriber sub(broker.port(), "gw/#");
  FakeSim7080 modem(broker.port());
  ModemRig rig(modemConfig(modem, broker.port(), ""));
  rig.lt.sync([&] { ASSERT_TRUE(rig.uplink->start()); });
  ASSERT_TRUE(waitFor([&] { return rig.listener.connected() == 1; })) << rig.uplink->stats().last_error;
  const auto cmds = modem.commands();
  for (const char* expected :
       {"AT+SMCONF=\"URL\",\"127.0.0.1\",", "AT+SMCONF=\"CLIENTID\",\"gw-7080-cell\"", "AT+SMCONF=\"KEEPTIME\",30",
        "AT+SMCONF=\"CLEANSS\",0", "AT+SMCONF=\"QOS\",1", "AT+SMCONF=\"TOPIC\",\"gw/status\"",
        "AT+SMCONF=\"MESSAGE\",\"{\"online\":false,\"reason\":\"unexpected_disconnect\"}\"",
        "AT+SMCONF=\"RETAIN\",1", "AT+SMCONN", "AT+SMSUB=\"gw/cmd\",1"}) {
    EXPECT_TRUE(std::any_of(cmds.begin(), cmds.end(), [&](const auto& c) { return c.rfind(expected, 0) == 0; }))
        << expected;
  }
  // Online status (retained) and data, published by the "modem", seen on the broker.
  ASSERT_TRUE(sub.waitForText("gw/status {\"online\":true}"));
  ASSERT_TRUE(rig.send(1, "gw/data", "{\"v\":1}"));
  ASSERT_TRUE(waitFor([&] { return rig.listener.delivered() == std::vector<std::uint64_t>{1}; }));
  ASSERT_TRUE(sub.waitForText("gw/data {\"v\":1}"));
  EXPECT_TRUE(has(modem.commands(), "AT+SMPUB=\"gw/data\",7,1,0"));
  // A command published on the broker reaches the listener as a +SMSUB URC.
  ASSERT_EQ(publish(broker.port(), "gw/cmd", "{\"request_id\":\"r1\",\"action\":\"ping\"}"), 0);
  ASSERT_TRUE(waitFor([&] { return !rig.listener.messages().empty(); }));
  EXPECT_EQ(rig.listener.messages().front(), "gw/cmd {\"request_id\":\"r1\",\"action\":\"ping\"}");
  // Limits: too large for the modem -> refused with a clear reason, never sent.
  ASSERT_TRUE(rig.send(2, "gw/data", std::string(1025, 'x')));
  ASSERT_TRUE(waitFor([&] { return rig.listener.failed() == std::vector<std::uint64_t>{2}; }));
  EXPECT_EQ(modem.count("AT+SMPUB=\"gw/data\",1025"), 0);
  // Health: the modem loses its session -> AT+SMSTATE? says 0 -> reconnect.
  modem.dropSession();
  ASSERT_TRUE(waitFor([&] { return rig.listener.disconnected() == 1; }));
  ASSERT_TRUE(waitFor([&] { return rig.listener.connected() == 2; }));
  EXPECT_GE(modem.count("AT+SMSTATE?"), 1);
  // Clean stop: offline "shutdown" status through the modem, then AT+SMDISC.
  rig.lt.sync([&] { rig.uplink->stop(std::chrono::seconds(3)); });
  ASSERT_TRUE(sub.waitForText("gw/status {\"online\":false,\"reason\":\"shutdown\"}"));
  EXPECT_EQ(modem.commands().back(), "AT+SMDISC");
}

TEST(ModemUplink, ConnectErrorAndDroppedPromptAreNamedBackedOffAndLoseNothing) {
  Mosquitto broker;
  Subscriber sub(broker.port(), "gw/data");
  FakeSim7080 modem(broker.port());
  modem.fail_connects = 2;
  auto cfg = modemConfig(modem, broker.port(), "");
  cfg.modem.command_timeout_ms = scaledMs(400);  // the dropped prompt times out; real replies must not
  LogCapture log;
  log::get("uplink.modem")->set_level(spdlog::level::debug);
  ModemRig rig(cfg);
  rig.lt.sync([&] { ASSERT_TRUE(rig.uplink->start()); });
  ASSERT_TRUE(waitFor([&] { return rig.listener.connected() == 1; })) << rig.uplink->stats().last_error;
  EXPECT_EQ(modem.count("AT+SMCONN"), 3);
  EXPECT_GE(log.count("modem could not connect to the broker (AT+SMCONN: AT: AT+SMCONN failed: ERROR)"), 1);
  EXPECT_EQ(log.count("retrying in 0.1 s"), 1);
  EXPECT_EQ(log.count("retrying in 0.2 s"), 1);

  // The '>' prompt never comes: the publish is handed back as a link failure
  // (after the link went down, so a queue does not count it as refused).
  modem.drop_prompts = 1;
  ASSERT_TRUE(rig.send(5, "gw/data", "five"));
  ASSERT_TRUE(waitFor([&] { return rig.listener.failed() == std::vector<std::uint64_t>{5}; }));
  EXPECT_EQ(rig.listener.disconnected(), 1);
  EXPECT_GE(log.count("modem did not answer AT+SMPUB=\"gw/data\",4,1,0 (no '>' prompt or no OK)"), 1);
  ASSERT_TRUE(waitFor([&] { return rig.listener.connected() == 2; }));
  ASSERT_TRUE(rig.send(5, "gw/data", "five"));  // the caller's resend
  ASSERT_TRUE(waitFor([&] { return rig.listener.delivered() == std::vector<std::uint64_t>{5}; }));
  ASSERT_TRUE(sub.waitForText("gw/data five"));
  rig.lt.sync([&] { rig.uplink->stop(std::chrono::seconds(2)); });
}

// The whole path: Forwarder + SQLite queue + FailoverUplink(PahoUplink, ModemMqttUplink).
TEST(FailoverUplink, IpDownToModemAndBackWithoutLossOrReordering) {
  Mosquitto broker;
  Subscriber sub(broker.port(), "gw/#");
  FakeSim7080 modem(broker.port());
  const int ip_port = freePort();  // the IP path: blocked until a forwarder to the broker listens here
  auto cfg = modemConfig(modem, broker.port(), "mqtt://127.0.0.1:" + std::to_string(ip_port));
  TempDir dir;
  config::QueueConfig qcfg;
  qcfg.path = dir.file("queue.db");
  qcfg.commit_window_ms = 0;
  qcfg.drain_rate = 0;
  qcfg.telemetry_persistence = "always";
  LoopThread lt;
  std::unique_ptr<queue::SqliteQueue> q;
  std::unique_ptr<uplink::FailoverUplink> up;
  std::unique_ptr<queue::Forwarder> fwd;
  std::vector<std::string> commands;
  std::mutex cmd_mu;
  lt.sync([&] {
    auto opened = queue::SqliteQueue::open(qcfg, SystemClock::instance());
    ASSERT_TRUE(opened);
    q = std::move(*opened);
    up = std::make_unique<uplink::FailoverUplink>(
        lt.loop(), cfg, SystemClock::instance(),
        std::make_unique<uplink::PahoUplink>(lt.loop(), cfg, SystemClock::instance()),
        std::make_unique<uplink::ModemMqttUplink>(lt.loop(), cfg, SystemClock::instance()));
    fwd = std::make_unique<queue::Forwarder>(lt.loop(), *q, *up, qcfg, SystemClock::instance());
    fwd->setMessageHandler([&](const std::string& topic, const std::string& payload, int) {
      std::lock_guard lk(cmd_mu);
      commands.push_back(topic + " " + payload);
    });
    up->setListener(fwd.get());
    up->setStatusProvider(statusProvider("gw/status"));
    up->setSubscriptions({{"gw/cmd", 1}});
    fwd->start();
    ASSERT_TRUE(up->start());
  });
  auto submit = [&](int i, std::size_t size = 0) {
    Message m;
    m.cls = MessageClass::kTelemetry;
    m.topic = "gw/data";
    m.payload = size == 0 ? "{\"i\":" + std::to_string(i) + "}"
                          : "{\"i\":" + std::to_string(i) + ",\"pad\":\"" + std::string(size, 'p') + "\"}";
    m.qos = 1;
    lt.sync([&] { fwd->submit(m); });
  };
  auto active = [&] {
    uplink::FailoverUplink::Active a{};
    lt.sync([&] { a = up->active(); });
    return a;
  };
  // 1..3 while nothing is up: queued.
  for (int i = 1; i <= 3; ++i) submit(i);
  ASSERT_TRUE(waitFor([&] { return active() == uplink::FailoverUplink::Active::kModem; }, std::chrono::seconds(15)));
  // 4, then 5 too large for the modem (parked), then 6.
  submit(4);
  submit(5, 1500);
  submit(6);
  ASSERT_TRUE(sub.waitForText("gw/data {\"i\":6,")) << ::testing::PrintToString(sub.lines())
                                                     << ::testing::PrintToString(modem.commands());
  ASSERT_EQ(publish(broker.port(), "gw/cmd", "{\"id\":\"via-modem\"}"), 0);
  ASSERT_TRUE(waitFor([&] {
    std::lock_guard lk(cmd_mu);
    return !commands.empty();
  }));
  std::size_t parked = 0;
  lt.sync([&] { parked = up->parked(); });
  EXPECT_EQ(parked, 1U);

  // The IP path comes back: failback, the parked message goes over IP.
  RecordingProxy ip_path(broker.port(), ip_port);
  ASSERT_TRUE(waitFor([&] { return active() == uplink::FailoverUplink::Active::kIp; }, std::chrono::seconds(15)));
  submit(7);
  ASSERT_TRUE(sub.waitForText("gw/data {\"i\":7,"));
  ASSERT_TRUE(waitFor([&] { return sub.lines().size() >= 2; }));
  // Every message exactly in this order: 1-4 and 6 via the modem (in order),
  // 5 (too large for the modem) over IP at failback, then 7.
  std::vector<int> seen;
  for (const auto& l : sub.lines()) {
    if (l.rfind("gw/data ", 0) != 0) continue;
    seen.push_back(std::stoi(l.substr(l.find("\"i\":") + 4)));
  }
  EXPECT_EQ(seen, (std::vector<int>{1, 2, 3, 4, 6, 5, 7}));
  // Status: online again through IP, not overwritten by the released modem session.
  ASSERT_TRUE(waitFor([&] { return modem.count("AT+SMDISC") >= 2; }));
  const auto status = retained(broker.port(), "gw/status");
  ASSERT_FALSE(status.empty());
  EXPECT_EQ(status.back(), "gw/status {\"online\":true}");
  std::size_t left = 1;
  lt.sync([&] { left = q->size(); });
  EXPECT_EQ(left, 0U) << "all delivered and acknowledged";
  lt.sync([&] {
    up->stop(std::chrono::seconds(2));
    fwd->shutdown();
    fwd.reset();
    up.reset();
    q.reset();
  });
}

}  // namespace
}  // namespace tgw::test
