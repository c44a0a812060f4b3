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

TEST(LinkWatchdog, IdleLinkWithoutProbeIsNeverDeclaredDead) {
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

TEST(LinkWatchdog, QuietLinkIsProbedAfterAThirdOfTheKeepAlive) {
  FakeClock clock;
  LinkWatchdog w(clock, 3);
  w.connected();
  clock.advance(999ms);
  EXPECT_FALSE(w.probeDue());
  clock.advance(1ms);
  ASSERT_TRUE(w.probeDue());
  w.probeSent();
  EXPECT_TRUE(w.probing());
  EXPECT_FALSE(w.probeDue()) << "one probe at a time";
  clock.advance(2999ms);
  EXPECT_FALSE(w.expired());
  clock.advance(1ms);
  ASSERT_TRUE(w.expired()) << "probe unanswered for one keep-alive";
  EXPECT_EQ(*w.expired(), 3000ms);
}

TEST(LinkWatchdog, AnsweredProbeKeepsAQuietLinkAlive) {
  FakeClock clock;
  LinkWatchdog w(clock, 2);
  w.connected();
  for (int i = 0; i < 100; ++i) {
    clock.advance(700ms);
    ASSERT_TRUE(w.probeDue()) << i;
    w.probeSent();
    clock.advance(30ms);
    w.probeDone(true);  // UNSUBACK
    EXPECT_FALSE(w.probing());
    EXPECT_FALSE(w.expired()) << i;
    EXPECT_FALSE(w.probeDue()) << i;
  }
}

TEST(LinkWatchdog, ProbeThatWasNotSentIsNotAnAnswer) {
  FakeClock clock;
  LinkWatchdog w(clock, 2);
  w.connected();
  clock.advance(1s);
  w.probeSent();
  w.probeDone(false);  // Paho refused it locally
  EXPECT_FALSE(w.probing());
  EXPECT_TRUE(w.probeDue()) << "still nothing heard: probe again";
}

TEST(LinkWatchdog, ProbeAndPublishesWaitFromTheOlderOfThem) {
  FakeClock clock;
  LinkWatchdog w(clock, 2);
  w.connected();
  clock.advance(1s);
  w.probeSent();
  clock.advance(1s);
  w.sent();  // a publish goes out while the probe is unanswered
  clock.advance(1s);
  ASSERT_TRUE(w.expired()) << "the probe has waited one keep-alive";
  EXPECT_EQ(*w.expired(), 2000ms);
}

// The owner's loop (check every checkPeriod(), probe when due) on a link
// that dies at various moments: a quiet dead link is declared dead within
// 1.5 x keep-alive, and so is a busy one.
TEST(LinkWatchdog, DeadLinkFoundWithinOneAndAHalfKeepAlives) {
  for (const int ka : {1, 2, 5, 60}) {
    for (const bool busy : {false, true}) {
      for (int offset_ms = 0; offset_ms < 1000; offset_ms += 37) {
        FakeClock clock;
        LinkWatchdog w(clock, ka);
        w.connected();
        const auto period = w.checkPeriod();
        // Healthy for a while: answers come back 20 ms after each probe / publish.
        auto run_healthy = [&](std::chrono::milliseconds d) {
          for (auto t = 0ms; t < d; t += period) {
            clock.advance(period);
            if (busy) {
              w.sent();
              w.heard();
            } else if (w.probeDue()) {
              w.probeSent();
              w.probeDone(true);
            }
          }
        };
        run_healthy(std::chrono::seconds(3 * ka));
        clock.advance(std::chrono::milliseconds(offset_ms) % period);
        const auto died = clock.monotonic();  // from now on nothing is answered
        if (busy) w.sent();
        std::chrono::milliseconds found{-1};
        for (int step = 0; step < 10'000; ++step) {
          clock.advance(period);
          if (busy) w.sent();
          if (w.probeDue()) w.probeSent();
          if (w.expired()) {
            found = std::chrono::duration_cast<std::chrono::milliseconds>(clock.monotonic() - died);
            break;
          }
        }
        ASSERT_GE(found.count(), 0) << "ka " << ka;
        EXPECT_LE(found, std::chrono::milliseconds(ka * 1500)) << "ka " << ka << " busy " << busy;
      }
    }
  }
}

}  // namespace
}  // namespace tgw::uplink
