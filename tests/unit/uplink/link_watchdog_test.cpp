// The dead-link watchdog of PahoUplink on a fake clock.
#include "uplink/paho/link_watchdog.hpp"

#include <gtest/gtest.h>

namespace tgw::uplink {
namespace {

using namespace std::chrono_literals;

class FakeClock final : public Clock {
 public:
  [[nodiscard]] WallTime now() const override { return WallTime(std::chrono::duration_cast<WallTime::duration>(t_)); }
  [[nodiscard]] MonoTime monotonic() const override {
    return MonoTime(std::chrono::duration_cast<MonoTime::duration>(t_));
  }
  void advance(std::chrono::milliseconds d) { t_ += d; }

 private:
  std::chrono::milliseconds t_{1'000'000};
};

TEST(LinkWatchdog, IdleLinkIsNeverDeclaredDead) {
  FakeClock clock;
  LinkWatchdog w(clock, 2);
  w.connected();
  clock.advance(1h);
  EXPECT_FALSE(w.expired());
}

TEST(LinkWatchdog, PublishWithoutAnswerForOneKeepAliveIsDead) {
  FakeClock clock;
  LinkWatchdog w(clock, 2);
  w.connected();
  clock.advance(10s);  // idle for a while: the silence before the send does not count
  w.sent();
  clock.advance(1999ms);
  EXPECT_FALSE(w.expired());
  clock.advance(1ms);
  ASSERT_TRUE(w.expired());
  EXPECT_EQ(*w.expired(), 2000ms);
  clock.advance(500ms);
  EXPECT_EQ(*w.expired(), 2500ms);
}

TEST(LinkWatchdog, AnswersKeepABusyLinkAlive) {
  FakeClock clock;
  LinkWatchdog w(clock, 2);
  w.connected();
  w.sent();
  // A steady stream of publishes with a PUBACK every 1.5 s: never silent for 2 s.
  for (int i = 0; i < 20; ++i) {
    clock.advance(750ms);
    w.sent();
    clock.advance(750ms);
    EXPECT_FALSE(w.expired()) << i;
    w.heard();
  }
  // The acks stop while publishes keep going: dead one keep-alive after the last answer.
  for (int i = 0; i < 7; ++i) {
    clock.advance(250ms);
    w.sent();
    EXPECT_FALSE(w.expired()) << i;
  }
  clock.advance(250ms);
  ASSERT_TRUE(w.expired());
  EXPECT_EQ(*w.expired(), 2000ms);
}

TEST(LinkWatchdog, InboundMessageCountsAsAnswer) {
  FakeClock clock;
  LinkWatchdog w(clock, 4);
  w.connected();
  w.sent();
  clock.advance(3s);
  w.heard();  // e.g. a command arrived
  clock.advance(3s);
  EXPECT_FALSE(w.expired());
  clock.advance(1s);
  EXPECT_TRUE(w.expired());
}

TEST(LinkWatchdog, EverythingAcknowledgedStopsTheWait) {
  FakeClock clock;
  LinkWatchdog w(clock, 2);
  w.connected();
  w.sent();
  clock.advance(1s);
  w.heard();
  w.idle();
  clock.advance(10s);
  EXPECT_FALSE(w.expired());
  // The next publish starts a fresh wait, not one from the last answer.
  w.sent();
  clock.advance(1900ms);
  EXPECT_FALSE(w.expired());
  clock.advance(100ms);
  EXPECT_TRUE(w.expired());
}

TEST(LinkWatchdog, NewSessionRestartsTheClocks) {
  FakeClock clock;
  LinkWatchdog w(clock, 2);
  w.connected();
  w.sent();
  clock.advance(3s);
  ASSERT_TRUE(w.expired());
  w.idle();  // link down: everything handed back
  clock.advance(5s);
  w.connected();
  clock.advance(1s);
  w.sent();
  clock.advance(1500ms);
  EXPECT_FALSE(w.expired());
  clock.advance(500ms);
  EXPECT_TRUE(w.expired());
}

TEST(LinkWatchdog, KeepAliveZeroTurnsItOff) {
  FakeClock clock;
  LinkWatchdog w(clock, 0);
  w.connected();
  w.sent();
  clock.advance(24h);
  EXPECT_FALSE(w.expired());
}

TEST(LinkWatchdog, CheckPeriodIsAnEighthOfTheKeepAliveWithinBounds) {
  FakeClock clock;
  EXPECT_EQ(LinkWatchdog(clock, 1).checkPeriod(), 125ms);
  EXPECT_EQ(LinkWatchdog(clock, 2).checkPeriod(), 250ms);
  EXPECT_EQ(LinkWatchdog(clock, 60).checkPeriod(), 250ms);
  EXPECT_EQ(LinkWatchdog(clock, 0).checkPeriod(), 50ms);
}

TEST(LinkWatchdog, PahoGetsHalfTheKeepAlive) {
  EXPECT_EQ(LinkWatchdog::pahoKeepAlive(0), 0);
  EXPECT_EQ(LinkWatchdog::pahoKeepAlive(-5), 0);
  EXPECT_EQ(LinkWatchdog::pahoKeepAlive(1), 1);
  EXPECT_EQ(LinkWatchdog::pahoKeepAlive(2), 1);
  EXPECT_EQ(LinkWatchdog::pahoKeepAlive(3), 1);
  EXPECT_EQ(LinkWatchdog::pahoKeepAlive(60), 30);
  EXPECT_EQ(LinkWatchdog::pahoKeepAlive(61), 30);
}

}  // namespace
}  // namespace tgw::uplink
