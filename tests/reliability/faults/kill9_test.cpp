// The daemon is killed with SIGKILL 50 times at random moments (also while
// it starts and opens its queue) under load; afterwards every committed QoS 1
// message reaches the subscriber (gaps 0) and the queue file is intact.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <thread>

#include "rig.hpp"

namespace tgw::reliability {
namespace {

TEST(FaultGateway, KillNineFiftyTimesAtRandomMomentsUnderLoad) {
  sweepStale();
  test::TempDir dir;
  Broker broker;
  Auditor auditor(broker.port());
  Gateway gw(dir, options(broker.url(), 5));
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> early(0, 150);
  std::uniform_int_distribution<int> late(200, 1200);
  const int kills = longRun() ? 300 : 50;
  int connected_runs = 0;
  for (int i = 0; i < kills; ++i) {
    const int before = gw.countLog("connected to ");
    (void)before;
    gw.start();
    // Every 4th run dies while starting (config, queue open/recovery, connect).
    std::this_thread::sleep_for(std::chrono::milliseconds(i % 4 == 0 ? early(rng) : late(rng)));
    ASSERT_TRUE(gw.running()) << "the daemon died on its own in run " << i << ":\n" << gw.log();
    if (gw.countLog("connected to ") > 0) ++connected_runs;
    gw.kill();
  }
  const auto result = gw.audit(auditor);
  report("gateway kill -9: " + std::to_string(kills) + " kills (" + std::to_string(connected_runs) +
         " after connecting); audit: " + result.summary());
  EXPECT_TRUE(result.gaps.empty()) << result.summary();
  EXPECT_EQ(result.drops, 0U) << gw.queueStats();
  EXPECT_GT(result.last_seq, 50U) << "too little QoS 1 traffic to prove anything";
  for (const auto& e : std::filesystem::directory_iterator(gw.stateDir())) {
    EXPECT_EQ(e.path().filename().string().find("corrupt"), std::string::npos) << "queue file moved aside: " << e.path();
  }
}

}  // namespace
}  // namespace tgw::reliability
