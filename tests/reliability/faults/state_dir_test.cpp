// The state directory (a small tmpfs made by the test) filled to the last
// byte while the link is down; and a queue file corrupted between runs.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "rig.hpp"

namespace tgw::reliability {
namespace {

namespace fs = std::filesystem;

nlohmann::json stats(const Gateway& gw) { return nlohmann::json::parse(gw.queueStats(), nullptr, false); }

std::string quickCheck(const std::string& path) {
  sqlite3* db = nullptr;
  std::string out = "cannot open";
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return out;
}

// Fill the file system to the last byte; returns the bytes written.
std::uint64_t fillUp(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return 0;
  std::setvbuf(f, nullptr, _IONBF, 0);
  std::uint64_t n = 0;
  char block[4096] = {};
  while (std::fwrite(block, 1, sizeof block, f) == sizeof block) n += sizeof block;
  while (std::fwrite(block, 1, 1, f) == 1) ++n;  // the last bytes
  std::fclose(f);
  return n;
}

TEST(FaultDisk, StateDirectoryFullToTheLastByteThenSpaceReturns) {
  sweepStale();
  test::TempDir dir;
  const std::string mnt = dir.file("tgwrel" + std::to_string(::getpid()) + "-state");
  SmallFs small(mnt, "2m");
  if (!small.ok()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root): " << small.error();
  Broker broker;
  Auditor auditor(broker.port());
  Gateway gw(dir, options(broker.url(), 5, "", mnt));
  gw.start();
  ASSERT_TRUE(gw.waitConnected(1)) << gw.log();
  ASSERT_TRUE(test::waitFor([&] { return auditor.seqs().size() >= 10; }, 20s));
  broker.kill();  // offline: the backlog goes to the file
  const auto s0 = stats(gw);
  ASSERT_FALSE(s0.is_discarded());
  const std::uint64_t filler = fillUp(mnt + "/filler");
  // Keep producing until commits fail for want of space (the CLI cannot read
  // the file while the disk is full, so this waits on the daemon's drop log).
  const bool full = test::waitFor([&] { return gw.countLog("reason: disk_full") > 0 || !gw.running(); }, 30s) &&
                    gw.countLog("reason: disk_full") > 0;
  EXPECT_TRUE(full) << "no disk_full drops counted\n" << gw.log();
  ASSERT_TRUE(gw.running()) << "the daemon died on a full disk\n" << gw.log();
  std::this_thread::sleep_for(2s);  // full for a while, under load
  ASSERT_TRUE(gw.running()) << gw.log();
  EXPECT_EQ(quickCheck(mnt + "/queue.db"), "ok");

  // Space returns and the broker comes back: no restart needed.
  fs::remove(mnt + "/filler");
  broker.start();
  const int connected = gw.countLog("connected to ");
  ASSERT_TRUE(gw.waitConnected(connected + 1, 20s)) << gw.log();
  const auto result = gw.audit(auditor, 3000ms);
  const auto s1 = stats(gw);
  const std::uint64_t disk_full = s1["drops"]["disk_full"].get<std::uint64_t>();
  report("state dir full: tmpfs 2 MiB, filler " + std::to_string(filler) + " bytes to the last byte; disk_full drops " +
         std::to_string(disk_full) + " (counted; never committed, so never promised); audit: " + result.summary());
  // Every committed message arrived. The messages dropped for want of space
  // had been given a seq but were never committed: each is a counted
  // disk_full drop and shows as a gap at the backend (SPEC: a gap only where
  // a message was dropped and counted).
  EXPECT_GT(disk_full, 0U);
  EXPECT_LE(result.gaps.size(), disk_full) << result.summary();
  EXPECT_GT(result.received, 0U);
  EXPECT_EQ(quickCheck(mnt + "/queue.db"), "ok");
  EXPECT_GT(gw.countLog("reason: disk_full"), 0);
}

TEST(FaultDisk, CorruptedQueueFileIsMovedAsideAndAFreshQueueWorks) {
  sweepStale();
  test::TempDir dir;
  auto broker = std::make_unique<Broker>();
  Gateway gw(dir, options(broker->url(), 5));
  gw.start();
  ASSERT_TRUE(gw.waitConnected(1)) << gw.log();
  broker->kill();  // a backlog in the file
  ASSERT_TRUE(test::waitFor(
      [&] {
        const auto s = stats(gw);
        return !s.is_discarded() && s["messages"].get<std::uint64_t>() >= 60;
      },
      20s));
  ASSERT_EQ(gw.stop(), 0) << gw.log();  // clean stop: the WAL is checkpointed into queue.db
  const auto before = stats(gw);
  // Garbage over everything after the first page (the message table's pages).
  const std::string db = gw.stateDir() + "/queue.db";
  const auto size = fs::file_size(db);
  ASSERT_GT(size, 4096U * 2) << "backlog too small to corrupt a table page";
  {
    std::fstream f(db, std::ios::in | std::ios::out | std::ios::binary);
    std::mt19937 rng(7);
    f.seekp(4096);
    for (std::uint64_t i = 4096; i < size; ++i) f.put(static_cast<char>(rng()));
  }
  EXPECT_NE(quickCheck(db), "ok");

  // A fresh broker and subscriber: the audit covers the new queue.
  broker = std::make_unique<Broker>();
  Auditor auditor(broker->port());
  test::TempDir dir2;  // own config and logs; the same state directory
  Gateway gw2(dir2, options(broker->url(), 5, "", gw.stateDir()));
  gw2.start();
  ASSERT_TRUE(gw2.waitConnected(1)) << gw2.log();
  ASSERT_TRUE(gw2.running());
  int moved = 0;
  for (const auto& e : fs::directory_iterator(gw.stateDir())) {
    if (e.path().filename().string().rfind("queue.db.corrupt-", 0) == 0) ++moved;
  }
  const auto result = gw2.audit(auditor, 2000ms);
  report("corrupted queue file (" + std::to_string(size) + " bytes, " +
         std::to_string(before.is_discarded() ? 0 : before["messages"].get<std::uint64_t>()) +
         " messages queued): moved aside " + std::to_string(moved) + " file(s); fresh queue audit: " +
         result.summary());
  std::string listing;
  for (const auto& e : fs::directory_iterator(gw.stateDir())) listing += e.path().filename().string() + " ";
  EXPECT_GE(moved, 1) << listing << "\n" << gw2.log();
  EXPECT_GT(gw2.countLog("corrupt"), 0) << gw2.log();
  EXPECT_TRUE(result.gaps.empty()) << result.summary();
  EXPECT_GT(result.last_seq, 5U);
}

}  // namespace
}  // namespace tgw::reliability
