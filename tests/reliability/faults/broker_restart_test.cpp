// The broker is killed (SIGTERM; SIGKILL with TGW_BROKER_SIGKILL=1) and
// restarted 20 times while the daemon runs under load; every QoS 1 message committed
// reaches the subscriber (gaps 0), duplicates are reported.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <thread>

#include "rig.hpp"

namespace tgw::reliability {
namespace {

TEST(FaultBroker, KilledAndRestartedTwentyTimesUnderLoad) {
  sweepStale();
  test::TempDir dir;
  Broker broker;
  Auditor auditor(broker.port());
  Gateway gw(dir, options(broker.url(), 5));
  // On failure (or TGW_KEEP_TEMP=1) keep the broker, audit and daemon files.
  struct Keep {
    const Broker& b;
    const Auditor& a;
    const test::TempDir& d;
    ~Keep() {
      if (::testing::Test::HasFailure() || keepWanted()) report("kept: " + keepArtifacts("broker-restart", b, a, d));
    }
  } keep{broker, auditor, dir};
  gw.start();
  ASSERT_TRUE(gw.waitConnected(1)) << gw.log();

  const int restarts = longRun() ? 100 : 20;
  std::vector<double> reconnect_ms;
  for (int i = 0; i < restarts; ++i) {
    // Some traffic reached the subscriber since the last restart, and the
    // subscriber is connected (so nothing is waiting for it only in the
    // broker's memory when we kill it).
    const auto seen = auditor.count();
    ASSERT_TRUE(test::waitFor([&] { return auditor.count() >= seen + 3; }, 20s))
        << "no traffic after restart " << i << "\n" << gw.log();
    // SIGTERM: mosquitto drops every connection at once and exits, saving
    // its persistence file (which it could not until the rig ran it as root:
    // see Broker::start(); those lost saves were the gaps this test showed
    // under load). With SIGKILL the audit shows 10-53 seqs missing out of
    // ~230: messages mosquitto had acknowledged since its last periodic save
    // (every second) and held only in memory for the subscriber. That is the
    // broker's durability, not the gateway's, so the audited run uses
    // SIGTERM; TGW_BROKER_SIGKILL=1 runs it with SIGKILL.
    if (std::getenv("TGW_BROKER_SIGKILL") != nullptr) {
      broker.kill();
    } else {
      broker.stop();
    }
    const int connected = gw.countLog("connected to ");
    broker.start();
    const auto t0 = std::chrono::steady_clock::now();
    ASSERT_TRUE(gw.waitConnected(connected + 1, 20s))
        << "no reconnect after restart " << i << "\n" << gw.log();
    reconnect_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    ASSERT_TRUE(gw.running()) << gw.log();
  }
  // The audit trusts the broker to keep what it acknowledged (and the
  // auditor's session) across a SIGTERM: a broker that cannot save loses
  // messages the daemon was rightly told were delivered.
  EXPECT_EQ(broker.persistenceErrors(), "") << "the broker could not save its persistence file";
  // Paho C 1.3.12 retransmitting a held publish after a resumed session
  // sent garbage (use-after-free); the uplink now starts every connection
  // with a fresh client (PahoUplink::Impl::discardClient).
  EXPECT_EQ(broker.log().find("malformed packet"), std::string::npos) << "the daemon sent a malformed packet";
  const auto result = gw.audit(auditor);
  const double worst = *std::max_element(reconnect_ms.begin(), reconnect_ms.end());
  report("broker restarts: " + std::to_string(restarts) + ", reconnect after broker start: worst " +
         std::to_string(static_cast<int>(worst)) + " ms (backoff cap 1000 ms); audit: " + result.summary());
  EXPECT_TRUE(result.gaps.empty()) << result.summary();
  EXPECT_EQ(result.drops, 0U) << gw.queueStats();
  EXPECT_GT(result.last_seq, 100U) << "too little QoS 1 traffic to prove anything";
  // Behaviour bound (not speed): the backoff is capped at 1 s + 20 % jitter.
  EXPECT_LT(worst, 10000.0);
}

}  // namespace
}  // namespace tgw::reliability
