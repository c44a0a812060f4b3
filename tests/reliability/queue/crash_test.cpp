// kill -9 a process running the real queue + forwarder + PahoUplink under
// load, at random moments, at least 50 times; then let it drain and prove
// with a real broker and subscriber that every QoS >= 1 message that was
// committed arrived at least once: the seqs 1..last_seq have no gap.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <random>
#include <set>
#include <thread>

#include "support/mosquitto.hpp"
#include "support/support.hpp"

namespace tgw::queue {
namespace {

std::set<std::uint64_t> seqs(const test::Subscriber& sub, std::size_t* lines) {
  std::set<std::uint64_t> out;
  const auto all = sub.lines();
  *lines = all.size();
  for (const auto& l : all) {
    const auto p = l.find("\"seq\":");
    if (p != std::string::npos) out.insert(std::stoull(l.substr(p + 6)));
  }
  return out;
}

TEST(QueueCrash, FiftyKillNineWithoutLosingACommittedMessage) {
  test::Mosquitto broker;
  test::Subscriber sub(broker.port(), "tgw/crash/#", 2);
  test::TempDir dir;
  const std::string db = dir.file("queue.db");
  const std::string url = broker.url();
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> run_ms(0, 400);
  constexpr int kKills = 50;
  for (int i = 0; i < kKills; ++i) {
    const std::string log = dir.file("worker-" + std::to_string(i) + ".log");
    test::Process worker({TGW_QUEUE_CRASH_WORKER, "produce", db, url, "tgw-crash"}, {}, log);
    // Every 5th run dies while it starts (opening / recovering the file);
    // the others at a random instant of their run under load.
    if (i % 5 != 0) {
      ASSERT_TRUE(test::waitFor([&] { return worker.output().find("READY") != std::string::npos || !worker.running(); },
                                std::chrono::seconds(20)));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(i % 5 == 0 ? run_ms(rng) / 4 : run_ms(rng)));
    ASSERT_TRUE(worker.running()) << "worker died on its own in run " << i << ":\n" << worker.output();
    worker.kill();
  }
  test::Process drain({TGW_QUEUE_CRASH_WORKER, "drain", db, url, "tgw-crash"}, {}, dir.file("drain.log"));
  ASSERT_EQ(drain.wait(std::chrono::seconds(60)), 0) << drain.output();
  const std::string out = drain.output();
  const auto at = out.find("DRAINED last_seq=");
  ASSERT_NE(at, std::string::npos) << out;
  const std::uint64_t last_seq = std::stoull(out.substr(at + 17));
  const std::uint64_t drops = std::stoull(out.substr(out.find("drops=", at) + 6));
  EXPECT_EQ(drops, 0U);
  ASSERT_GT(last_seq, 1000U) << "too little load to prove anything";

  std::size_t lines = 0;
  std::set<std::uint64_t> got;
  test::waitFor(
      [&] {
        got = seqs(sub, &lines);
        return got.size() >= last_seq;
      },
      std::chrono::seconds(30));
  std::vector<std::uint64_t> missing;
  for (std::uint64_t s = 1; s <= last_seq; ++s) {
    if (got.count(s) == 0) missing.push_back(s);
  }
  std::printf("crash test: %d kills, %llu messages committed, %zu received (%zu duplicates), %zu missing\n", kKills,
              static_cast<unsigned long long>(last_seq), lines, lines - got.size(), missing.size());
  EXPECT_TRUE(missing.empty()) << missing.size() << " gaps, first: seq " << missing.front();
  EXPECT_LE(*got.rbegin(), last_seq);

  // And the file itself is intact, never moved aside.
  sqlite3* h = nullptr;
  ASSERT_EQ(sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(h, "PRAGMA quick_check", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "ok");
  sqlite3_finalize(st);
  sqlite3_close(h);
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    EXPECT_EQ(e.path().filename().string().find("corrupt"), std::string::npos) << e.path();
  }
}

}  // namespace
}  // namespace tgw::queue
