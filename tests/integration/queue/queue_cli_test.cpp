// `queue stats|peek|purge` against a file the "daemon" (a SqliteQueue in
// this process, its own connection) has open and keeps using.
#include "queue/queue_cli.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "queue/sqlite/sqlite_queue.hpp"
#include "support/support.hpp"

namespace tgw::queue {
namespace {

class QueueCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cfg_.path = dir_.file("queue.db");
    auto q = SqliteQueue::open(cfg_, SystemClock::instance());
    ASSERT_TRUE(q.has_value());
    daemon_ = std::move(*q);
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(daemon_->push(Message{MessageClass::kTelemetry, "tel", "{}", 0}));
    ASSERT_TRUE(daemon_->push(Message{MessageClass::kAlarm, "bess/alarms/critical", R"({"code":7})", 1}));
    daemon_->recordDrop(DropReason::kFull, Message{MessageClass::kTelemetry, "tel", "{}", 0});
    ASSERT_TRUE(daemon_->commit());
  }
  test::TempDir dir_;
  config::QueueConfig cfg_;
  std::unique_ptr<SqliteQueue> daemon_;
};

TEST_F(QueueCliTest, StatsTextAndJsonWhileTheDaemonHasTheFileOpen) {
  std::ostringstream text;
  ASSERT_EQ(queueStats(cfg_, text, false), 0) << text.str();
  EXPECT_NE(text.str().find("messages   6"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("alarm      1"), std::string::npos) << text.str();
  std::ostringstream js;
  ASSERT_EQ(queueStats(cfg_, js, true), 0) << js.str();
  const auto j = nlohmann::json::parse(js.str());
  EXPECT_EQ(j.at("messages"), 6);
  EXPECT_EQ(j.at("by_class").at("telemetry"), 5);
  EXPECT_EQ(j.at("drops").at("full"), 1);
  EXPECT_EQ(j.at("last_seq"), 6);
  EXPECT_GE(j.at("oldest_age_ms").get<std::int64_t>(), 0);
}

TEST_F(QueueCliTest, PeekShowsSendOrder) {
  std::ostringstream out;
  ASSERT_EQ(queuePeek(cfg_, out, 2), 0) << out.str();
  const std::string s = out.str();
  const auto alarm = s.find("seq=6 class=alarm");
  const auto tel = s.find("seq=1 class=telemetry");
  ASSERT_NE(alarm, std::string::npos) << s;
  ASSERT_NE(tel, std::string::npos) << s;
  EXPECT_LT(alarm, tel);
  EXPECT_EQ(s.find("seq=2"), std::string::npos);
  std::ostringstream bad;
  EXPECT_EQ(queuePeek(cfg_, bad, 0), 1);
}

TEST_F(QueueCliTest, PurgeByClassIsSeenByTheRunningDaemon) {
  std::ostringstream out;
  ASSERT_EQ(queuePurge(cfg_, out, MessageClass::kTelemetry), 0) << out.str();
  EXPECT_NE(out.str().find("purged 5 telemetry"), std::string::npos) << out.str();
  // The daemon notices the other connection's change at its next commit.
  ASSERT_TRUE(daemon_->push(Message{MessageClass::kEvent, "ev", "{}", 1}));
  ASSERT_TRUE(daemon_->commit());
  EXPECT_EQ(daemon_->count(MessageClass::kTelemetry), 0U);
  EXPECT_EQ(daemon_->size(), 2U);
  auto got = daemon_->fetch(10);
  ASSERT_EQ(got.size(), 2U);
  EXPECT_EQ(got[0].message.cls, MessageClass::kAlarm);
  EXPECT_EQ(got[1].seq, 7U);
  std::ostringstream js;
  ASSERT_EQ(queueStats(cfg_, js, true), 0);
  EXPECT_EQ(nlohmann::json::parse(js.str()).at("drops").at("purged"), 5);
}

TEST_F(QueueCliTest, PurgeWaitsForTheDaemonsOpenTransaction) {
  ASSERT_TRUE(daemon_->push(Message{MessageClass::kTelemetry, "tel", "{}", 0}));  // write lock held
  std::thread committer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the daemon's commit window, stretched
    EXPECT_TRUE(daemon_->commit());
  });
  std::ostringstream out;
  const int rc = queuePurge(cfg_, out, std::nullopt);
  committer.join();
  ASSERT_EQ(rc, 0) << out.str();
  EXPECT_NE(out.str().find("purged 7 message"), std::string::npos) << out.str();
}

TEST_F(QueueCliTest, ClearErrorsForAMissingFileAndANewerSchema) {
  config::QueueConfig missing = cfg_;
  missing.path = dir_.file("nope.db");
  std::ostringstream out;
  EXPECT_EQ(queueStats(missing, out, false), 1);
  EXPECT_NE(out.str().find("no queue file at " + missing.path), std::string::npos) << out.str();
  EXPECT_FALSE(std::filesystem::exists(missing.path));  // not created

  daemon_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(cfg_.path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE schema_version SET version = 9", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  std::ostringstream newer;
  EXPECT_EQ(queuePurge(cfg_, newer, std::nullopt), 1);
  EXPECT_NE(newer.str().find("schema version 9"), std::string::npos) << newer.str();
}

}  // namespace
}  // namespace tgw::queue
