// The daemon runs in its own network namespace and reaches the broker over a
// veth pair made by the test. A silent partition (every packet dropped both
// ways) must be detected within 1.5 x keep-alive (PahoUplink's dead-link
// watchdog), the link must come back quickly after the partition heals, and
// random loss and added delay at packet level (the link emulator, our
// stand-in for tc netem) must not lose anything.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <thread>

#include "rig.hpp"

namespace tgw::reliability {
namespace {

double msSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// "gateway->broker 1234 packets, 19.8 % lost, delay mean 201 ms (181-223); broker->gateway ..."
std::string applied(const std::string& summary_json) {
  const auto j = nlohmann::json::parse(summary_json, nullptr, false);
  if (j.is_discarded() || !j.contains("a_to_b")) return "no summary from the link emulator";
  auto one = [](const char* name, const nlohmann::json& d) {
    char buf[256];
    std::snprintf(buf, sizeof buf, "%s %llu packets, %.1f %% lost, delay mean %.0f ms (%.0f-%.0f)", name,
                  d["packets"].get<unsigned long long>(), d["loss_pct"].get<double>(),
                  d["delay_ms_mean"].get<double>(), d["delay_ms_min"].get<double>(), d["delay_ms_max"].get<double>());
    return std::string(buf);
  };
  // a = the host side (broker), b = the namespace (gateway).
  return one("gateway->broker", j["b_to_a"]) + "; " + one("broker->gateway", j["a_to_b"]);
}

// Both directions carried traffic and lost roughly what was asked.
void expectApplied(const std::string& summary_json, double loss_pct, double delay_ms) {
  const auto j = nlohmann::json::parse(summary_json, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << summary_json;
  for (const char* dir : {"a_to_b", "b_to_a"}) {
    const auto& d = j[dir];
    // Some traffic took the emulated path. (Few packets is possible: if the
    // lossy phase killed the session, reconnecting through ~420 ms of RTT
    // with connect_timeout_s 1 can take most of the next phase.)
    EXPECT_GT(d["packets"].get<std::uint64_t>(), 0U) << dir << ": " << summary_json;
    // Binomial: within 4 standard deviations (+1 point) of what was asked.
    const auto n = static_cast<double>(d["packets"].get<std::uint64_t>());
    const double p = loss_pct / 100.0;
    EXPECT_NEAR(d["loss_pct"].get<double>(), loss_pct, 400.0 * std::sqrt(p * (1 - p) / n) + 1.0)
        << dir << ": " << summary_json;
    if (d["forwarded"].get<std::uint64_t>() > 0) {
      EXPECT_GE(d["delay_ms_min"].get<double>(), delay_ms * 0.9 - 1) << dir;
    }
  }
}

TEST(FaultNetwork, PartitionDetectedByKeepAliveAndHealedQuicklyAndLossyLinkLosesNothing) {
  sweepStale();
  NetNs ns;
  if (!ns.ok()) GTEST_SKIP() << "no network namespace here: " << ns.error();
  test::TempDir dir;
  Broker broker(ns.hostAddress());
  Auditor auditor(broker.port());
  constexpr int kKeepAlive = 2;
  // A connect attempt into a partition fails after connect_timeout_s (1 s,
  // the minimum) and the backoff is capped at 500 ms: after the heal the next
  // attempt starts within ~1.6 s. (With the defaults, 10 s and 60 s, the bound
  // would be the backoff cap.)
  auto opts = options(broker.url(ns.hostAddress()), kKeepAlive, ns.name());
  opts.connect_timeout_s = 1;
  opts.reconnect_max_ms = 500;
  Gateway gw(dir, opts);
  gw.start();
  ASSERT_TRUE(gw.waitConnected(1)) << gw.log();

  // A dead link is logged at warning "connection lost: ..." and, right after,
  // at info "reconnecting to ... in N s". Warnings pass the daemon's log rate
  // limit only 5 times per 30 s (the long run's 6th partition within 30 s is
  // folded into a "suppressed ..." line written later); info lines are never
  // limited. The first of either marks the detection (the info line is a
  // little later: an upper bound).
  const auto dead_link_lines = [&] { return gw.countLog("connection lost") + gw.countLog("reconnecting to "); };
  const int rounds = longRun() ? 10 : 2;
  double worst_detect = 0, worst_heal = 0;
  for (int round = 0; round < rounds; ++round) {
    const auto seen = auditor.count();
    ASSERT_TRUE(test::waitFor([&] { return auditor.count() >= seen + 5; }, 20s)) << gw.log();
    // Drop: nothing gets through and nobody is told.
    const int lost_before = dead_link_lines();
    const auto t0 = std::chrono::steady_clock::now();  // before the nft rules: an upper bound
    ns.partition();
    ASSERT_TRUE(test::waitFor([&] { return dead_link_lines() > lost_before; }, 30s))
        << "dead link never detected\n" << gw.log();
    const double detect = msSince(t0);
    // Stay cut off a little longer (reconnect attempts time out), then heal.
    std::this_thread::sleep_for(1500ms);
    const int connected = gw.countLog("connected to ");
    ns.heal();
    const auto t1 = std::chrono::steady_clock::now();
    ASSERT_TRUE(gw.waitConnected(connected + 1, 30s))
        << "no reconnect after heal\n" << gw.log();
    const double heal = msSince(t1);
    report("partition round " + std::to_string(round) + ": dead link detected after " +
           std::to_string(static_cast<int>(detect)) + " ms (keep-alive " + std::to_string(kKeepAlive) +
           " s, bound 1.5 x = " + std::to_string(kKeepAlive * 1500) + " ms); reconnected " +
           std::to_string(static_cast<int>(heal)) + " ms after heal (bound 2000 ms)");
    worst_detect = std::max(worst_detect, detect);
    worst_heal = std::max(worst_heal, heal);
  }
  // Packet-level faults through the link emulator, under load: heavy random
  // loss both ways, then added delay with jitter and some loss.
  const auto sessions = [&] { return gw.countLog(" as 'rel-gw'"); };  // "connected to X as 'rel-gw' ..."
  const int sessions_before_emulation = sessions();
  ASSERT_TRUE(ns.emulate(0, 0, 20)) << ns.emulatorLog();
  std::this_thread::sleep_for(longRun() ? 30s : 4s);
  const std::string lossy = ns.stopEmulator();
  ASSERT_TRUE(ns.emulate(200, 20, 5)) << ns.emulatorLog();
  std::this_thread::sleep_for(longRun() ? 30s : 4s);
  const std::string delayed = ns.stopEmulator();
  report("link emulator, 20 % loss asked: " + applied(lossy));
  report("link emulator, 200 +- 20 ms delay and 5 % loss asked: " + applied(delayed));
  // Not asserted: a lossy link may legitimately stall past the keep-alive.
  report("reconnects during the emulated phases: " + std::to_string(sessions() - sessions_before_emulation));
  expectApplied(lossy, 20, 0);
  expectApplied(delayed, 5, 180);
  ASSERT_TRUE(gw.running()) << gw.log();

  const auto result = gw.audit(auditor, 3000ms);
  report("partition: worst detection " + std::to_string(static_cast<int>(worst_detect)) + " ms, worst reconnect " +
         std::to_string(static_cast<int>(worst_heal)) + " ms; then 20 % loss and 200 ms delay + 5 % loss at packet "
         "level; audit: " + result.summary());
  EXPECT_TRUE(result.gaps.empty()) << result.summary();
  EXPECT_EQ(result.drops, 0U) << gw.queueStats();
  // Behaviour bounds (issue 10: reconnect <= 2 s after the heal, dead link
  // found within 1.5 x keep-alive), each with a margin for a loaded 2-core
  // machine running ASan builds: +1 s for the reconnect (a connect attempt
  // into the partition has to time out first), +500 ms for the detection
  // (the watchdog checks every 250 ms; the daemon and nft may be descheduled).
  EXPECT_LE(worst_heal, 2000.0 + 1000.0);
  EXPECT_LE(worst_detect, kKeepAlive * 1500.0 + 500.0) << gw.log();
}

// An idle link (nothing in flight, nothing to acknowledge) that dies is
// found by the watchdog's probe (an UNSUBSCRIBE the broker must answer,
// sent after a third of the keep-alive of silence) within 1.5 x keep-alive.
TEST(FaultNetwork, IdleDeadLinkIsFoundByTheProbe) {
  sweepStale();
  NetNs ns;
  if (!ns.ok()) GTEST_SKIP() << "no network namespace here: " << ns.error();
  test::TempDir dir;
  Broker broker(ns.hostAddress());
  constexpr int kKeepAlive = 2;
  auto opts = options(broker.url(ns.hostAddress()), kKeepAlive, ns.name());
  opts.connect_timeout_s = 1;
  opts.reconnect_max_ms = 500;
  opts.idle = true;
  Gateway gw(dir, opts);
  gw.start();
  ASSERT_TRUE(gw.waitConnected(1)) << gw.log();
  const auto dead_link_lines = [&] { return gw.countLog("connection lost") + gw.countLog("reconnecting to "); };
  double worst = 0;
  for (int round = 0; round < 3; ++round) {
    // Cut at different moments of the probe cycle (~667 ms).
    std::this_thread::sleep_for(std::chrono::milliseconds(1000 + 230 * round));
    const int before = dead_link_lines();
    const auto t0 = std::chrono::steady_clock::now();
    ns.partition();
    ASSERT_TRUE(test::waitFor([&] { return dead_link_lines() > before; }, 30s)) << "dead link never detected\n"
                                                                                << gw.log();
    const double detect = msSince(t0);
    report("idle partition round " + std::to_string(round) + ": dead link detected after " +
           std::to_string(static_cast<int>(detect)) + " ms (keep-alive 2 s, bound 1.5 x = 3000 ms)");
    worst = std::max(worst, detect);
    const int connected = gw.countLog("connected to ");
    ns.heal();
    ASSERT_TRUE(gw.waitConnected(connected + 1, 30s)) << "no reconnect after heal\n" << gw.log();
  }
  ASSERT_TRUE(gw.running()) << gw.log();
  // Same margin as above (loaded 2-core machine, ASan).
  EXPECT_LE(worst, kKeepAlive * 1500.0 + 500.0) << gw.log();
}

}  // namespace
}  // namespace tgw::reliability
