// PahoUplink against a real mosquitto: publish and acks, status and LWT,
// subscriptions, broker restart, credentials, MQTT 5.
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <future>
#include <regex>

#include <gtest/gtest.h>

#include "support/mosquitto.hpp"
#include "uplink_rig.hpp"

namespace tgw::test {
namespace {

bool contains(const std::vector<std::string>& lines, const std::string& text) {
  return std::any_of(lines.begin(), lines.end(), [&](const auto& l) { return l.find(text) != std::string::npos; });
}

// mosquitto's stdout log is block-buffered; a log file is written at once.
// (mosquitto started as root drops to the mosquitto user: let it in.)
BrokerOptions withLogFile(const TempDir& dir) {
  std::filesystem::permissions(dir.path(), std::filesystem::perms::all);
  BrokerOptions o;
  o.global_lines = {"log_dest file " + dir.file("broker.log")};
  return o;
}

TEST(UplinkConnect, PlainTcpPublishesQos012AndReportsAcks) {
  TempDir logdir;
  Mosquitto broker(withLogFile(logdir));
  Subscriber sub(broker.port(), "t/#", 2);
  UplinkRig rig(testConfig(broker.url(), "gw-plain"));
  rig.start();
  ASSERT_TRUE(rig.waitConnected());
  EXPECT_EQ(rig.uplink->freeWindow(), 16U);
  // The broker is paused so that token 11 is still unacknowledged when it is
  // offered again (on loopback its PUBACK otherwise arrives in ~0.1 ms).
  broker.pause();
  ASSERT_TRUE(rig.send(10, "t/q0", "zero", 0));
  ASSERT_TRUE(rig.send(11, "t/q1", "one", 1));
  ASSERT_TRUE(rig.send(12, "t/q2", "two", 2));
  EXPECT_FALSE(rig.send(11, "t/q1", "dup token", 1)) << "a token already in flight is refused";
  broker.resume();
  ASSERT_TRUE(waitFor([&] { return rig.listener.delivered().size() == 3; }));
  auto delivered = rig.listener.delivered();
  std::sort(delivered.begin(), delivered.end());
  EXPECT_EQ(delivered, (std::vector<std::uint64_t>{10, 11, 12}));
  ASSERT_TRUE(sub.waitForLines(3));
  EXPECT_TRUE(contains(sub.lines(), "t/q0 zero"));
  EXPECT_TRUE(contains(sub.lines(), "t/q2 two"));
  const auto s = rig.uplink->stats();
  EXPECT_EQ(s.state, LinkState::kConnected);
  EXPECT_EQ(s.connects, 1U);
  EXPECT_EQ(s.published, 3U);
  EXPECT_EQ(s.acked, 3U);
  EXPECT_EQ(s.failed, 0U);
  EXPECT_EQ(s.in_flight, 0U);
  EXPECT_GT(s.last_ack_ms, 0);
  EXPECT_EQ(s.broker, broker.url());
  EXPECT_NE(readFile(logdir.file("broker.log")).find("as gw-plain (p2, c0, k5"), std::string::npos) << "MQTT 3.1.1, clean session off";
  rig.stop();
  EXPECT_EQ(rig.uplink->stats().state, LinkState::kStopped);
  EXPECT_EQ(rig.uplink->freeWindow(), 0U);
  EXPECT_FALSE(rig.listener.offLoopCall());
}

TEST(UplinkConnect, OnlineStatusRetainedAndSubscriptionsRemadeAfterReconnect) {
  Mosquitto broker;
  UplinkRig rig(testConfig(broker.url(), "gw-status"), "gw/status", {{"gw/cmd/#", 1}});
  rig.start();
  ASSERT_TRUE(rig.waitConnected());
  EXPECT_EQ(retained(broker.port(), "gw/status"), (std::vector<std::string>{R"(gw/status {"online":true})"}));
  ASSERT_EQ(publish(broker.port(), "gw/cmd/relay", R"({"action":"on"})", 1), 0);
  ASSERT_TRUE(waitFor([&] { return rig.listener.messages().size() == 1; }));
  EXPECT_EQ(rig.listener.messages()[0], R"(gw/cmd/relay {"action":"on"})");

  // Operator reconnect: a new session, status and subscription made again.
  rig.uplink->reconnect();
  ASSERT_TRUE(rig.waitConnected(2));
  EXPECT_EQ(rig.listener.disconnected(), 1);
  ASSERT_EQ(publish(broker.port(), "gw/cmd/led", "x", 1), 0);
  ASSERT_TRUE(waitFor([&] { return rig.listener.messages().size() == 2; }));
  EXPECT_EQ(rig.uplink->stats().connects, 2U);
  EXPECT_FALSE(rig.listener.offLoopCall());
}

TEST(UplinkConnect, CleanStopPublishesShutdownStatusAndNoWill) {
  Mosquitto broker;
  UplinkRig rig(testConfig(broker.url(), "gw-stop"), "gw/status");
  rig.start();
  ASSERT_TRUE(rig.waitConnected());
  Subscriber sub(broker.port(), "gw/status", 1);
  rig.stop();
  ASSERT_TRUE(sub.waitForText("shutdown"));
  // Anything the broker published because of the closed socket would come
  // before this marker.
  ASSERT_EQ(publish(broker.port(), "gw/status", "marker", 1), 0);
  ASSERT_TRUE(sub.waitForText("marker"));
  EXPECT_FALSE(contains(sub.lines(), "unexpected_disconnect"));
  EXPECT_TRUE(contains(sub.lines(), R"({"online":false,"reason":"shutdown"})"));
  EXPECT_EQ(rig.listener.disconnected(), 1);
}

TEST(UplinkConnect, GatewayKilledWithSigkillLeavesRetainedOfflineWill) {
  Mosquitto broker;
  Process child({TGW_UPLINK_LWT_CHILD, broker.url(), "gw-lwt", "gw/lwt/status"});
  ASSERT_TRUE(waitFor([&] { return child.output().find("CONNECTED") != std::string::npos; })) << child.output();
  Subscriber sub(broker.port(), "gw/lwt/status", 1);
  ASSERT_TRUE(sub.waitForText(R"("online":true)"));  // the retained online status
  child.kill();
  ASSERT_TRUE(sub.waitForText("unexpected_disconnect"));
  EXPECT_EQ(retained(broker.port(), "gw/lwt/status"),
            (std::vector<std::string>{R"(gw/lwt/status {"online":false,"reason":"unexpected_disconnect"})"}));
}

TEST(UplinkConnect, BrokerKilledAndRestartedHandsBackUnackedAndResumes) {
  Mosquitto broker;
  auto cfg = testConfig(broker.url(), "gw-restart");
  cfg.inflight_window = 4;
  cfg.max_inflight = 8;
  UplinkRig rig(cfg, "gw/status");
  rig.start();
  ASSERT_TRUE(rig.waitConnected());
  ASSERT_TRUE(rig.send(1, "d/x", "m1", 1));
  ASSERT_TRUE(waitFor([&] { return rig.listener.delivered().size() == 1; }));

  // Freeze the broker: what we send now stays unacknowledged.
  const pid_t pid = mosquittoPid(broker.dir());
  ASSERT_GT(pid, 0);
  ASSERT_EQ(::kill(pid, SIGSTOP), 0);
  for (std::uint64_t t = 2; t <= 5; ++t) ASSERT_TRUE(rig.send(t, "d/x", "m" + std::to_string(t), 1));
  EXPECT_EQ(rig.uplink->freeWindow(), 0U);
  EXPECT_FALSE(rig.send(6, "d/x", "m6", 1)) << "window full";
  EXPECT_EQ(rig.uplink->stats().in_flight, 4U);

  broker.kill();  // SIGKILL works on a stopped process
  ASSERT_TRUE(waitFor([&] { return rig.listener.failed().size() == 4; }));
  auto failed = rig.listener.failed();
  std::sort(failed.begin(), failed.end());
  EXPECT_EQ(failed, (std::vector<std::uint64_t>{2, 3, 4, 5}));
  EXPECT_EQ(rig.listener.delivered().size(), 1U);
  EXPECT_EQ(rig.uplink->freeWindow(), 0U);
  ASSERT_TRUE(waitFor([&] { return rig.uplink->stats().last_error != ""; }));

  broker.start();
  Subscriber sub(broker.port(), "d/#", 1);
  ASSERT_TRUE(rig.waitConnected(2, std::chrono::seconds(15)));
  EXPECT_EQ(retained(broker.port(), "gw/status"), (std::vector<std::string>{R"(gw/status {"online":true})"}));
  ASSERT_TRUE(waitFor([&] { return rig.uplink->freeWindow() > 0; }));
  for (std::uint64_t t = 2; t <= 5; ++t) {
    ASSERT_TRUE(waitFor([&] { return rig.uplink->freeWindow() > 0; }));
    ASSERT_TRUE(rig.send(t, "d/x", "m" + std::to_string(t), 1));
  }
  ASSERT_TRUE(waitFor([&] { return rig.listener.delivered().size() == 5; }));
  ASSERT_TRUE(sub.waitForText("d/x m5"));
  const auto s = rig.uplink->stats();
  EXPECT_EQ(s.connects, 2U);
  EXPECT_EQ(s.disconnects, 1U);
  EXPECT_EQ(s.failed, 4U);
  EXPECT_EQ(rig.listener.disconnected(), 1);
  EXPECT_FALSE(rig.listener.offLoopCall());
}

std::string makePasswordFile(const TempDir& dir) {
  const std::string file = dir.file("passwd");
  EXPECT_EQ(run({"mosquitto_passwd", "-c", "-b", file, "gateway", "s3cret"}), 0);
  std::filesystem::permissions(dir.path(), std::filesystem::perms::owner_all | std::filesystem::perms::others_read |
                                               std::filesystem::perms::others_exec);
  std::filesystem::permissions(file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                                         std::filesystem::perms::others_read);
  return file;
}

void badPasswordCase(const std::string& protocol, const std::string& expected) {
  TempDir dir;
  const std::string passwd = makePasswordFile(dir);
  BrokerOptions opts;
  opts.allow_anonymous = false;
  opts.global_lines = {"password_file " + passwd};
  Mosquitto broker(opts);
  LogCapture logs;
  auto cfg = testConfig(broker.url(), "gw-auth-" + protocol);
  cfg.protocol = protocol;
  cfg.username = "gateway";
  cfg.password.file = dir.write("pw", "wrong\n");
  cfg.reconnect.initial_delay_ms = 50;
  cfg.reconnect.max_delay_ms = 200;
  UplinkRig rig(cfg, "gw/status");
  rig.start();
  // Four attempts: delays 0.05, 0.1, 0.2 (the cap), 0.2 s (no jitter in tests).
  ASSERT_TRUE(waitFor([&] { return logs.count("retrying in 0.2 s") >= 2; })) << rig.uplink->stats().last_error;
  EXPECT_NE(rig.uplink->stats().last_error.find(expected), std::string::npos) << rig.uplink->stats().last_error;
  std::vector<double> delays;
  for (const auto& l : logs.lines()) {
    std::smatch m;
    if (std::regex_search(l, m, std::regex("retrying in ([0-9.]+) s"))) delays.push_back(std::stod(m[1]));
  }
  ASSERT_GE(delays.size(), 4U);
  EXPECT_EQ(std::vector<double>(delays.begin(), delays.begin() + 4), (std::vector<double>{0.05, 0.1, 0.2, 0.2}));
  // Logged once at warning level; repeats go to debug.
  EXPECT_EQ(logs.count(expected, "warning"), 1);
  EXPECT_EQ(rig.listener.connected(), 0);
  EXPECT_EQ(rig.uplink->stats().state == LinkState::kConnected, false);

  // The secret is re-read on every attempt: fixing the file is enough.
  dir.write("pw", "s3cret\n");
  ASSERT_TRUE(rig.waitConnected());
  EXPECT_EQ(rig.uplink->stats().last_error, "");
  ASSERT_TRUE(rig.send(1, "a/b", "x", 1));
  ASSERT_TRUE(waitFor([&] { return rig.listener.delivered().size() == 1; }));
  rig.stop();
}

TEST(UplinkConnect, BadPasswordIsAClearErrorRetriedWithGrowingDelays) {
  badPasswordCase("3.1.1", "broker refused: ");
}

TEST(UplinkConnect, Mqtt5BadPasswordShowsReasonCodeThenConnects) {
  badPasswordCase("5", "broker refused: not authorized (reason 0x87)");
}

TEST(UplinkConnect, Mqtt5SessionStatusAndWill) {
  TempDir logdir;
  Mosquitto broker(withLogFile(logdir));
  auto cfg = testConfig(broker.url(), "gw-v5");
  cfg.protocol = "5";
  UplinkRig rig(cfg, "gw/v5/status", {{"gw/v5/cmd", 2}});
  rig.start();
  ASSERT_TRUE(rig.waitConnected());
  ASSERT_EQ(publish(broker.port(), "gw/v5/cmd", "hello", 2), 0);
  ASSERT_TRUE(waitFor([&] { return rig.listener.messages().size() == 1; }));
  ASSERT_TRUE(rig.send(7, "v5/data", "x", 2));
  ASSERT_TRUE(waitFor([&] { return rig.listener.delivered().size() == 1; }));
  EXPECT_NE(readFile(logdir.file("broker.log")).find("as gw-v5 (p5, c0, k5"), std::string::npos) << "MQTT 5, clean start off";
  Subscriber sub(broker.port(), "gw/v5/status", 1);
  rig.stop();
  ASSERT_TRUE(sub.waitForText("shutdown"));
  EXPECT_EQ(retained(broker.port(), "gw/v5/status"),
            (std::vector<std::string>{R"(gw/v5/status {"online":false,"reason":"shutdown"})"}));
}

}  // namespace
}  // namespace tgw::test
