// Forwarder with a real SqliteQueue, a FakeUplink and a manual loop/clock.
#include "queue/forwarder.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <nlohmann/json.hpp>

#include "fakes/fake_uplink.hpp"
#include "queue/sqlite/sqlite_queue.hpp"
#include "support/support.hpp"
#include "test_loop.hpp"

namespace tgw::queue {
namespace {

using test::FakeClock;
using test::FakeUplink;
using test::ManualLoop;
using test::TempDir;
using namespace std::chrono_literals;

Message msg(MessageClass cls, const std::string& topic, int n, int qos = 1) {
  return Message{cls, topic, R"({"n":)" + std::to_string(n) + "}", qos, false, n};
}
int payloadN(const Message& m) {
  return nlohmann::json::parse(m.payload).at("n").get<int>();
}

// Rows with this seq in the file, read through a second connection (what a
// crash right now would leave).
int rowsOnDisk(const std::string& path, std::uint64_t seq) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT count(*) FROM messages WHERE seq = ?1", -1, &st, nullptr);
  sqlite3_bind_int64(st, 1, static_cast<sqlite3_int64>(seq));
  int n = -1;
  if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

class ForwarderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cfg_.path = dir_.file("queue.db");
    cfg_.drain_rate = 0;
  }
  void make() {
    auto q = SqliteQueue::open(cfg_, clock_);
    ASSERT_TRUE(q.has_value()) << q.error().message;
    queue_ = std::move(*q);
    fwd_ = std::make_unique<Forwarder>(loop_, *queue_, uplink_, cfg_, clock_);
    ASSERT_TRUE(uplink_.start());
    fwd_->start();
  }
  void TearDown() override {
    if (fwd_) fwd_->shutdown();
    fwd_.reset();
  }
  std::vector<int> sentNs() const {
    std::vector<int> out;
    for (const auto& s : uplink_.sent()) out.push_back(payloadN(s.message));
    return out;
  }

  TempDir dir_;
  FakeClock clock_;
  ManualLoop loop_{clock_};
  config::QueueConfig cfg_;
  FakeUplink uplink_;
  std::unique_ptr<SqliteQueue> queue_;
  std::unique_ptr<Forwarder> fwd_;
};

TEST_F(ForwarderTest, QosOneIsCommittedBeforeItIsHandedToTheUplink) {
  make();
  uplink_.connect();
  std::vector<int> on_disk_at_send;
  uplink_.onSend([&](const FakeUplink::Sent& s) { on_disk_at_send.push_back(rowsOnDisk(cfg_.path, s.token)); });
  fwd_->submit(msg(MessageClass::kEvent, "ev", 1));
  fwd_->submit(msg(MessageClass::kAlert, "al", 2, 2));
  EXPECT_TRUE(uplink_.sent().empty());  // waits for the group commit
  loop_.advance(std::chrono::milliseconds(cfg_.commit_window_ms));
  ASSERT_EQ(uplink_.sent().size(), 2U);
  EXPECT_EQ(on_disk_at_send, (std::vector<int>{1, 1}));
  // seq is in the payload that goes out
  EXPECT_EQ(nlohmann::json::parse(uplink_.sent()[0].message.payload).at("seq").get<std::uint64_t>(),
            uplink_.sent()[0].token);
  // Deleted only once delivered (and the delete is committed).
  const std::uint64_t first = uplink_.sent()[0].token;
  EXPECT_TRUE(uplink_.deliverNext());
  loop_.advance(10ms);
  EXPECT_EQ(rowsOnDisk(cfg_.path, first), 0);
  EXPECT_EQ(rowsOnDisk(cfg_.path, uplink_.sent()[1].token), 1);
}

TEST_F(ForwarderTest, GroupCommitBatchesManyMessagesPerTransaction) {
  cfg_.commit_batch = 100;
  make();
  for (int i = 0; i < 250; ++i) fwd_->submit(msg(MessageClass::kEvent, "ev", i));
  EXPECT_EQ(queue_->stats().commits, 2U);  // two full batches committed at once
  EXPECT_EQ(queue_->uncommitted(), 50U);
  loop_.advance(std::chrono::milliseconds(cfg_.commit_window_ms));
  EXPECT_EQ(queue_->uncommitted(), 0U);
  EXPECT_EQ(queue_->stats().commits, 3U);
}

TEST_F(ForwarderTest, SendsWhileTheWindowHasRoomAndKeepsOrderAcrossReconnects) {
  uplink_.setWindow(4);
  make();
  for (int i = 1; i <= 10; ++i) fwd_->submit(msg(MessageClass::kEvent, "ev", i));
  loop_.advance(10ms);
  EXPECT_TRUE(uplink_.sent().empty());  // offline: kept
  uplink_.connect();
  EXPECT_EQ(uplink_.inFlight().size(), 4U);
  uplink_.deliverNext();
  uplink_.deliverNext();
  uplink_.disconnect("broker gone");  // 2 delivered, 4 in flight fail (not counted)
  uplink_.connect();
  while (uplink_.deliverNext()) loop_.advance(1ms);
  loop_.advance(10ms);
  std::vector<int> delivered;
  for (const auto& s : uplink_.delivered()) delivered.push_back(payloadN(s.message));
  EXPECT_EQ(delivered, (std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
  EXPECT_EQ(queue_->size(), 0U);
  EXPECT_EQ(queue_->stats().drops[static_cast<std::size_t>(DropReason::kAttempts)], 0U);
}

TEST_F(ForwarderTest, RefusedSendsAreRetriedUpToMaxAttempts) {
  cfg_.max_attempts = 3;
  make();
  uplink_.connect();
  fwd_->submit(msg(MessageClass::kEvent, "ev", 1));
  loop_.advance(10ms);
  ASSERT_TRUE(uplink_.failNext());
  ASSERT_TRUE(uplink_.failNext());
  ASSERT_EQ(uplink_.sent().size(), 3U);  // sent again after each failure
  ASSERT_TRUE(uplink_.failNext());
  loop_.advance(10ms);
  EXPECT_EQ(uplink_.sent().size(), 3U);
  EXPECT_EQ(queue_->size(), 0U);
  EXPECT_EQ(queue_->stats().drops[static_cast<std::size_t>(DropReason::kAttempts)], 1U);
}

TEST_F(ForwarderTest, TelemetryOfflinePolicyPersistsOnlyWhileTheLinkCannotTakeIt) {
  make();
  uplink_.connect();
  fwd_->submit(msg(MessageClass::kTelemetry, "tel", 1, 0));
  EXPECT_EQ(uplink_.sent().size(), 1U);  // straight out
  EXPECT_EQ(queue_->size(), 0U);
  EXPECT_NE(uplink_.sent()[0].token & Forwarder::kDirectBit, 0U);
  uplink_.disconnect();
  fwd_->submit(msg(MessageClass::kTelemetry, "tel", 2, 0));
  fwd_->submit(msg(MessageClass::kLog, "log", 3, 0));  // logs are never persisted
  EXPECT_EQ(queue_->size(), 1U);
  uplink_.connect();
  fwd_->submit(msg(MessageClass::kTelemetry, "tel", 4, 0));  // behind the queued one
  loop_.advance(10ms);
  EXPECT_EQ(sentNs(), (std::vector<int>{1, 2, 4}));
  const auto s = queue_->stats();
  EXPECT_EQ(s.drops[static_cast<std::size_t>(DropReason::kNotPersisted)], 1U);  // the log line
  EXPECT_EQ(s.drops[static_cast<std::size_t>(DropReason::kSendFailed)], 1U);    // telemetry 1 failed on disconnect
}

TEST_F(ForwarderTest, TelemetryPolicyAlwaysAndNever) {
  cfg_.telemetry_persistence = "always";
  make();
  uplink_.connect();
  fwd_->submit(msg(MessageClass::kTelemetry, "tel", 1, 0));
  EXPECT_EQ(queue_->size(), 1U);
  loop_.advance(10ms);
  EXPECT_EQ(uplink_.sent().size(), 1U);
  EXPECT_EQ(uplink_.sent()[0].token & Forwarder::kDirectBit, 0U);
  fwd_->shutdown();
  fwd_.reset();

  cfg_.telemetry_persistence = "never";
  fwd_ = std::make_unique<Forwarder>(loop_, *queue_, uplink_, cfg_, clock_);
  uplink_.disconnect();
  fwd_->submit(msg(MessageClass::kTelemetry, "tel", 2, 0));
  EXPECT_EQ(queue_->count(MessageClass::kTelemetry), 1U);  // only the first
  EXPECT_EQ(queue_->stats().drops[static_cast<std::size_t>(DropReason::kNotPersisted)], 1U);
}

TEST_F(ForwarderTest, LiveAlertsOvertakeABacklogThatDrainsAtTheConfiguredRate) {
  cfg_.drain_rate = 100;
  uplink_.setWindow(8);
  make();
  for (int i = 0; i < 1000; ++i) fwd_->submit(msg(MessageClass::kTelemetry, "tel", i, 0));
  loop_.advance(10ms);
  ASSERT_EQ(queue_->size(), 1000U);
  uplink_.connect();
  // Deliver as fast as they come for one second of (fake) time.
  for (int ms = 0; ms < 1000; ++ms) {
    uplink_.deliverAll();
    loop_.advance(1ms);
  }
  const std::size_t after_one_second = uplink_.sent().size();
  EXPECT_GE(after_one_second, 90U);
  EXPECT_LE(after_one_second, 111U);  // 100/s plus a 10-message burst
  const std::size_t before = uplink_.sent().size();
  fwd_->submit(msg(MessageClass::kAlert, "al", 5000, 2));
  loop_.advance(std::chrono::milliseconds(cfg_.commit_window_ms));
  // Out with the first send after its commit, not behind 900 telemetry.
  ASSERT_GT(uplink_.sent().size(), before);
  EXPECT_EQ(payloadN(uplink_.sent()[before].message), 5000);
  EXPECT_GT(fwd_->stats().rate_limited, 0U);
  // The backlog keeps going out in order.
  for (int ms = 0; ms < 200; ++ms) {
    uplink_.deliverAll();
    loop_.advance(1ms);
  }
  std::vector<int> tel;
  for (const auto& s : uplink_.sent()) {
    if (s.message.cls == MessageClass::kTelemetry) tel.push_back(payloadN(s.message));
  }
  for (std::size_t i = 0; i < tel.size(); ++i) ASSERT_EQ(tel[i], static_cast<int>(i));
}

TEST_F(ForwarderTest, ShutdownCommitsStagedMessagesAndStopFailuresDoNotCountAttempts) {
  make();
  uplink_.connect();
  fwd_->submit(msg(MessageClass::kEvent, "ev", 1));
  loop_.advance(10ms);
  ASSERT_EQ(uplink_.inFlight().size(), 1U);
  fwd_->submit(msg(MessageClass::kEvent, "ev", 2));  // staged only
  fwd_->shutdown();
  EXPECT_EQ(queue_->uncommitted(), 0U);
  uplink_.stop(100ms);  // in-flight message 1 reported failed
  fwd_.reset();
  queue_.reset();
  auto q = SqliteQueue::open(cfg_, clock_);
  ASSERT_TRUE(q.has_value());
  auto left = (*q)->fetch(10);
  ASSERT_EQ(left.size(), 2U);
  EXPECT_EQ(left[0].attempts, 0);
}

TEST_F(ForwarderTest, ExpiredBacklogIsSweptOnStartAndPeriodically) {
  cfg_.ttl_s = 60;
  cfg_.sweep_interval_s = 10;
  make();
  fwd_->submit(msg(MessageClass::kEvent, "ev", 1));
  loop_.advance(71s);  // the sweep after the 60 s TTL
  EXPECT_EQ(queue_->size(), 0U);
  EXPECT_EQ(queue_->stats().drops[static_cast<std::size_t>(DropReason::kExpired)], 1U);
}

TEST_F(ForwarderTest, DownlinkMessagesAndLinkStateReachTheHandlers) {
  make();
  std::vector<std::string> got;
  std::vector<bool> states;
  fwd_->setMessageHandler([&](const std::string& t, const std::string& p, int qos) {
    got.push_back(t + " " + p + " " + std::to_string(qos));
  });
  fwd_->setConnectionHandler([&](bool up) { states.push_back(up); });
  uplink_.connect();
  uplink_.inject("cmd/x", "{\"a\":1}", 1);
  uplink_.disconnect();
  EXPECT_EQ(got, (std::vector<std::string>{"cmd/x {\"a\":1} 1"}));
  EXPECT_EQ(states, (std::vector<bool>{true, false}));
}

}  // namespace
}  // namespace tgw::queue
