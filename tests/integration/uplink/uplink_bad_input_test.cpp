// Bad input: nothing to connect to, DNS failure, a broker that never
// answers CONNECT, a broker that drops every connection. Each must give a
// clear error, back off (CPU near idle) and stop promptly.
#include <future>

#include <gtest/gtest.h>

#include "uplink_rig.hpp"

namespace tgw::test {
namespace {

// Starts the uplink, waits for `text` in the last error, checks the process
// stays near idle for a while, and that stop() returns promptly.
void expectBackoffNoBusyLoop(config::UplinkConfig cfg, const std::string& text) {
  cfg.reconnect.max_delay_ms = 200;
  LogCapture logs;
  UplinkRig rig(std::move(cfg));
  rig.start();
  ASSERT_TRUE(waitFor([&] { return rig.uplink->stats().last_error.find(text) != std::string::npos; }))
      << "last error: " << rig.uplink->stats().last_error;
  const auto cpu0 = processCpu();
  const auto wall0 = std::chrono::steady_clock::now();
  // Wait until the delay has grown to the cap (attempts 1, 2: 0.1, 0.2 s).
  ASSERT_TRUE(waitFor([&] { return logs.count("retrying in 0.2 s") >= 1; }, std::chrono::seconds(20)));
  const auto cpu = processCpu() - cpu0;
  const auto wall = std::chrono::steady_clock::now() - wall0;
  EXPECT_LT(cpu.count() * 4, std::chrono::duration_cast<std::chrono::milliseconds>(wall).count())
      << "used " << cpu.count() << " ms CPU while disconnected";
  EXPECT_EQ(logs.count(text, "warning"), 1) << "the same failure is logged once";
  EXPECT_EQ(rig.listener.connected(), 0);
  EXPECT_EQ(rig.uplink->stats().state == LinkState::kConnected, false);
  auto stopped = std::async(std::launch::async, [&] { rig.stop(); });
  ASSERT_EQ(stopped.wait_for(std::chrono::seconds(10)), std::future_status::ready) << "stop() hangs";
  EXPECT_EQ(rig.uplink->stats().state, LinkState::kStopped);
}

TEST(UplinkBadInput, NothingListening) {
  const int port = freePort();
  expectBackoffNoBusyLoop(testConfig("mqtt://127.0.0.1:" + std::to_string(port), "gw-nobody"),
                          "could not connect");
}

TEST(UplinkBadInput, DnsFailure) {
  expectBackoffNoBusyLoop(testConfig("mqtt://broker.invalid:1883", "gw-dns"), "cannot resolve broker host 'broker.invalid'");
}

TEST(UplinkBadInput, BrokerAcceptsTcpButNeverAnswersConnect) {
  FakeServer silent(false);
  auto cfg = testConfig("mqtt://127.0.0.1:" + std::to_string(silent.port()), "gw-silent");
  cfg.connect_timeout_s = 1;
  expectBackoffNoBusyLoop(cfg, "within connect_timeout_s=1");
}

TEST(UplinkBadInput, BrokerDropsEveryConnection) {
  FakeServer dropper(true);
  expectBackoffNoBusyLoop(testConfig("mqtt://127.0.0.1:" + std::to_string(dropper.port()), "gw-dropped"),
                          "could not connect");
  EXPECT_GE(dropper.accepted(), 2);  // no busy loop, but retried
}

TEST(UplinkBadInput, TlsServerThatNeverAnswers) {
  FakeServer silent(false);
  auto cfg = testConfig("mqtts://127.0.0.1:" + std::to_string(silent.port()), "gw-tls-silent");
  cfg.connect_timeout_s = 1;
  cfg.tls.ca_file = certs().ca;
  expectBackoffNoBusyLoop(cfg, "within connect_timeout_s=1");
}

// (ws:// and wss:// are supported since issue 11: uplink_ws_test.cpp.)
TEST(UplinkBadInput, SigV4WithoutAWebSocketEndpointIsRejectedAtStart) {
  auto cfg = testConfig("mqtts://127.0.0.1:8883", "gw-ws");
  cfg.aws.enabled = true;
  cfg.aws.region = "eu-west-1";
  UplinkRig rig(cfg);
  auto r = rig.uplink->start();
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("signs WebSocket URLs"), std::string::npos) << r.error().message;
}

TEST(UplinkBadInput, WindowNotBelowPahoWindowIsRejectedAtStart) {
  auto cfg = testConfig("mqtt://127.0.0.1:1", "gw-window");
  cfg.inflight_window = 32;
  cfg.max_inflight = 32;
  UplinkRig rig(cfg);
  EXPECT_FALSE(rig.uplink->start().has_value());
}

}  // namespace
}  // namespace tgw::test
