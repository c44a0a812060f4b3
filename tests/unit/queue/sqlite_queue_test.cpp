// SqliteQueue on real SQLite files in a temp dir: seq, commit visibility,
// order and priority, acks, attempts, limits and drop policy, TTL, stats.
#include "queue/sqlite/sqlite_queue.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "support/support.hpp"
#include "test_loop.hpp"

namespace tgw::queue {
namespace {

using test::FakeClock;
using test::TempDir;

Message msg(MessageClass cls, const std::string& topic, int n, int qos = 1) {
  return Message{cls, topic, R"({"n":)" + std::to_string(n) + "}", qos, false, 1000 + n};
}

int payloadN(const QueuedMessage& m) {
  return nlohmann::json::parse(m.message.payload).at("n").get<int>();
}

class SqliteQueueTest : public ::testing::Test {
 protected:
  void SetUp() override { cfg_.path = dir_.file("queue.db"); }
  std::unique_ptr<SqliteQueue> open() {
    auto q = SqliteQueue::open(cfg_, clock_);
    EXPECT_TRUE(q.has_value()) << (q ? "" : q.error().message);
    return q ? std::move(*q) : nullptr;
  }
  TempDir dir_;
  FakeClock clock_;
  config::QueueConfig cfg_;
};

TEST_F(SqliteQueueTest, SeqIsMonotonicSplicedIntoPayloadAndSurvivesReopen) {
  auto q = open();
  for (int i = 1; i <= 3; ++i) {
    auto seq = q->push(msg(MessageClass::kEvent, "t", i));
    ASSERT_TRUE(seq.has_value());
    EXPECT_EQ(*seq, static_cast<std::uint64_t>(i));
  }
  ASSERT_TRUE(q->commit());
  auto got = q->fetch(10);
  ASSERT_EQ(got.size(), 3U);
  for (const auto& m : got) {
    const auto j = nlohmann::json::parse(m.message.payload);
    EXPECT_EQ(j.at("seq").get<std::uint64_t>(), m.seq);
    q->ack(m.seq);
  }
  ASSERT_TRUE(q->commit());
  EXPECT_EQ(q->size(), 0U);
  q.reset();
  // Empty queue reopened: numbering continues, never restarts.
  q = open();
  auto seq = q->push(msg(MessageClass::kEvent, "t", 4));
  ASSERT_TRUE(seq.has_value());
  EXPECT_EQ(*seq, 4U);
}

TEST_F(SqliteQueueTest, FetchHandsOutOnlyCommittedMessages) {
  auto q = open();
  ASSERT_TRUE(q->push(msg(MessageClass::kEvent, "t", 1)));
  EXPECT_TRUE(q->fetch(10).empty());
  EXPECT_EQ(q->uncommitted(), 1U);
  ASSERT_TRUE(q->commit());
  EXPECT_EQ(q->uncommitted(), 0U);
  EXPECT_EQ(q->fetch(10).size(), 1U);
  // Leased: not handed out twice.
  EXPECT_TRUE(q->fetch(10).empty());
}

TEST_F(SqliteQueueTest, HighestPriorityFirstAndSeqOrderWithinClass) {
  auto q = open();
  ASSERT_TRUE(q->push(msg(MessageClass::kTelemetry, "tel", 1, 0)));
  ASSERT_TRUE(q->push(msg(MessageClass::kTelemetry, "tel", 2, 0)));
  ASSERT_TRUE(q->push(msg(MessageClass::kStatus, "st", 3)));
  ASSERT_TRUE(q->push(msg(MessageClass::kTelemetry, "tel", 4, 0)));
  ASSERT_TRUE(q->push(msg(MessageClass::kAlert, "al", 5, 2)));
  ASSERT_TRUE(q->push(msg(MessageClass::kResponse, "rsp", 6)));
  ASSERT_TRUE(q->commit());
  std::vector<int> order;
  for (const auto& m : q->fetch(2)) order.push_back(payloadN(m));
  for (const auto& m : q->fetch(10)) order.push_back(payloadN(m));
  EXPECT_EQ(order, (std::vector<int>{5, 6, 3, 1, 2, 4}));
}

TEST_F(SqliteQueueTest, AckDeletesOnlyAfterCommitAndUnackedSurviveReopen) {
  auto q = open();
  for (int i = 1; i <= 4; ++i) ASSERT_TRUE(q->push(msg(MessageClass::kEvent, "t", i)));
  ASSERT_TRUE(q->commit());
  auto got = q->fetch(4);
  ASSERT_EQ(got.size(), 4U);
  q->ack(got[0].seq);
  q->ack(got[1].seq);
  ASSERT_TRUE(q->commit());
  q->ack(got[2].seq);  // staged, not committed
  // A crash now: copy the files as they are on disk and open the copy.
  TempDir crash;
  for (const char* suffix : {"", "-wal"}) {
    std::filesystem::copy_file(cfg_.path + suffix, crash.file(std::string("queue.db") + suffix));
  }
  config::QueueConfig copy = cfg_;
  copy.path = crash.file("queue.db");
  auto after = SqliteQueue::open(copy, clock_);
  ASSERT_TRUE(after.has_value());
  std::vector<int> left;
  for (const auto& m : (*after)->fetch(10)) left.push_back(payloadN(m));
  EXPECT_EQ(left, (std::vector<int>{3, 4}));
}

TEST_F(SqliteQueueTest, FailedMessagesComeBackInOrderAndAttemptsAreBounded) {
  cfg_.max_attempts = 3;
  auto q = open();
  for (int i = 1; i <= 3; ++i) ASSERT_TRUE(q->push(msg(MessageClass::kEvent, "t", i)));
  ASSERT_TRUE(q->commit());
  auto got = q->fetch(3);
  ASSERT_EQ(got.size(), 3U);
  q->fail(got[0].seq, false);  // link dropped: does not count
  q->fail(got[1].seq, true);
  std::vector<int> again;
  for (const auto& m : q->fetch(10)) again.push_back(payloadN(m));
  EXPECT_EQ(again, (std::vector<int>{1, 2}));
  // Message 2 fails twice more: dropped at the third counted failure.
  q->fail(got[1].seq, true);
  ASSERT_EQ(q->fetch(10).size(), 1U);
  q->fail(got[1].seq, true);
  ASSERT_TRUE(q->commit());
  EXPECT_EQ(q->stats().drops[static_cast<std::size_t>(DropReason::kAttempts)], 1U);
  EXPECT_EQ(q->size(), 2U);
  q->fail(got[0].seq, false);
  std::vector<int> rest;
  for (const auto& m : q->fetch(10)) rest.push_back(payloadN(m));
  EXPECT_EQ(rest, (std::vector<int>{1}));  // 3 is still leased from the first fetch
}

TEST_F(SqliteQueueTest, AttemptsArePersisted) {
  cfg_.max_attempts = 2;
  auto q = open();
  ASSERT_TRUE(q->push(msg(MessageClass::kEvent, "t", 1)));
  ASSERT_TRUE(q->commit());
  q->fail(q->fetch(1).at(0).seq, true);
  ASSERT_TRUE(q->commit());
  q.reset();
  q = open();
  auto got = q->fetch(1);
  ASSERT_EQ(got.size(), 1U);
  EXPECT_EQ(got[0].attempts, 1);
  q->fail(got[0].seq, true);
  EXPECT_EQ(q->size(), 0U);
}

TEST_F(SqliteQueueTest, WhenFullDropsLowestPriorityOldestFirst) {
  cfg_.max_messages = 4;
  auto q = open();
  ASSERT_TRUE(q->push(msg(MessageClass::kTelemetry, "tel", 1, 0)));
  ASSERT_TRUE(q->push(msg(MessageClass::kAlert, "al", 2)));
  ASSERT_TRUE(q->push(msg(MessageClass::kTelemetry, "tel", 3, 0)));
  ASSERT_TRUE(q->push(msg(MessageClass::kStatus, "st", 4)));
  ASSERT_TRUE(q->commit());
  // Full: a new status drops the oldest telemetry (1), then the next (3).
  ASSERT_TRUE(q->push(msg(MessageClass::kStatus, "st", 5)));
  ASSERT_TRUE(q->push(msg(MessageClass::kResponse, "rsp", 6)));
  // Now: alert 2, status 4, status 5, response 6. A telemetry cannot enter.
  auto rejected = q->push(msg(MessageClass::kTelemetry, "tel", 7, 0));
  ASSERT_FALSE(rejected.has_value());
  EXPECT_EQ(rejected.error().code, Errc::kFull);
  // An alarm drops the oldest status (4).
  ASSERT_TRUE(q->push(msg(MessageClass::kAlarm, "alm", 8)));
  ASSERT_TRUE(q->commit());
  std::vector<int> left;
  for (const auto& m : q->fetch(10)) left.push_back(payloadN(m));
  EXPECT_EQ(left, (std::vector<int>{2, 6, 8, 5}));
  const auto s = q->stats();
  EXPECT_EQ(s.drops[static_cast<std::size_t>(DropReason::kFull)], 4U);
  EXPECT_EQ(s.messages, 4U);
}

TEST_F(SqliteQueueTest, ByteQuotaDropsLikeTheMessageLimit) {
  cfg_.max_bytes = 4096;
  auto q = open();
  const std::string big(900, 'x');
  for (int i = 0; i < 10; ++i) {
    Message m{MessageClass::kTelemetry, "tel", R"({"pad":")" + big + R"(","n":)" + std::to_string(i) + "}", 0};
    ASSERT_TRUE(q->push(m));
  }
  ASSERT_TRUE(q->commit());
  const auto s = q->stats();
  EXPECT_LE(s.bytes, 4096U);
  EXPECT_EQ(s.messages, 4U);
  EXPECT_EQ(s.drops[static_cast<std::size_t>(DropReason::kFull)], 6U);
  std::vector<int> left;
  for (const auto& m : q->fetch(10)) left.push_back(payloadN(m));
  EXPECT_EQ(left, (std::vector<int>{6, 7, 8, 9}));  // the newest stay
}

TEST_F(SqliteQueueTest, SweepDropsExpiredMessagesAndCountsThem) {
  cfg_.ttl_s = 3600;
  auto q = open();
  ASSERT_TRUE(q->push(msg(MessageClass::kTelemetry, "tel", 1, 0)));
  ASSERT_TRUE(q->push(msg(MessageClass::kAlert, "al", 2)));
  ASSERT_TRUE(q->commit());
  clock_.advance(std::chrono::minutes(30));
  ASSERT_TRUE(q->push(msg(MessageClass::kTelemetry, "tel", 3, 0)));
  ASSERT_TRUE(q->commit());
  clock_.advance(std::chrono::minutes(31));
  EXPECT_EQ(q->sweep(), 2U);
  ASSERT_TRUE(q->commit());
  const auto s = q->stats();
  EXPECT_EQ(s.drops[static_cast<std::size_t>(DropReason::kExpired)], 2U);
  EXPECT_EQ(s.messages, 1U);
  // fetch() also drops what expired since the last sweep.
  clock_.advance(std::chrono::minutes(31));
  EXPECT_TRUE(q->fetch(10).empty());
  EXPECT_EQ(q->stats().drops[static_cast<std::size_t>(DropReason::kExpired)], 3U);
}

TEST_F(SqliteQueueTest, StatsDropCountersPeekAndPurge) {
  auto q = open();
  ASSERT_TRUE(q->push(msg(MessageClass::kTelemetry, "tel", 1, 0)));
  clock_.advance(std::chrono::seconds(5));
  ASSERT_TRUE(q->push(msg(MessageClass::kTelemetry, "tel", 2, 0)));
  ASSERT_TRUE(q->push(msg(MessageClass::kAlarm, "alm", 3)));
  q->recordDrop(DropReason::kNotPersisted, msg(MessageClass::kTelemetry, "tel", 9, 0));
  ASSERT_TRUE(q->commit());
  clock_.advance(std::chrono::seconds(5));
  auto s = q->stats();
  EXPECT_EQ(s.count_by_class[static_cast<std::size_t>(MessageClass::kTelemetry)], 2U);
  EXPECT_EQ(s.count_by_class[static_cast<std::size_t>(MessageClass::kAlarm)], 1U);
  EXPECT_EQ(s.oldest_age_ms, 10000);
  EXPECT_GT(s.bytes, 30U);
  auto peek = q->peek(2);
  ASSERT_TRUE(peek.has_value());
  ASSERT_EQ(peek->size(), 2U);
  EXPECT_EQ(payloadN((*peek)[0]), 3);
  EXPECT_EQ(payloadN((*peek)[1]), 1);
  auto purged = q->purge(MessageClass::kTelemetry);
  ASSERT_TRUE(purged.has_value());
  EXPECT_EQ(*purged, 2U);
  q.reset();
  q = open();
  s = q->stats();
  EXPECT_EQ(s.messages, 1U);
  EXPECT_EQ(s.drops[static_cast<std::size_t>(DropReason::kPurged)], 2U);
  EXPECT_EQ(s.drops[static_cast<std::size_t>(DropReason::kNotPersisted)], 1U);
}

TEST_F(SqliteQueueTest, NonObjectPayloadIsStoredUnchanged) {
  auto q = open();
  ASSERT_TRUE(q->push(Message{MessageClass::kEvent, "t", "[1,2]", 1}));
  ASSERT_TRUE(q->commit());
  EXPECT_EQ(q->fetch(1).at(0).message.payload, "[1,2]");
}

}  // namespace
}  // namespace tgw::queue
