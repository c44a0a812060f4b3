// Watchdog and Notifier against a real NOTIFY_SOCKET and a real sd-event loop.
#include "service/watchdog.hpp"

#include <cstdlib>

#include <gtest/gtest.h>

#include "../../integration/service/notify_socket.hpp"
#include "core/sd_event_loop.hpp"
#include "support/support.hpp"

namespace tgw::service {
namespace {

class ManualClock final : public Clock {
 public:
  [[nodiscard]] WallTime now() const override { return WallTime{} + (mono_ - MonoTime{}); }
  [[nodiscard]] MonoTime monotonic() const override { return mono_; }
  MonoTime mono_{};
};

struct NotifyEnv {
  test::TempDir dir;
  test::NotifySocket socket{dir.file("notify")};
  NotifyEnv() { ::setenv("NOTIFY_SOCKET", socket.path().c_str(), 1); }
  ~NotifyEnv() { ::unsetenv("NOTIFY_SOCKET"); }
};

TEST(Notifier, SendsTheProtocolMessages) {
  NotifyEnv env;
  Notifier n;
  n.status("starting");
  n.status("starting");  // unchanged: not repeated
  n.ready();
  n.reloading();
  n.reloaded();
  n.extendTimeout(std::chrono::seconds(20));
  n.stopping();
  const auto& m = env.socket.poll();
  ASSERT_EQ(m.size(), 6U) << env.socket.dump();
  EXPECT_EQ(m[0], "STATUS=starting");
  EXPECT_EQ(m[1], "READY=1");
  EXPECT_EQ(m[2].rfind("RELOADING=1\nMONOTONIC_USEC=", 0), 0U) << m[2];
  EXPECT_EQ(m[3], "READY=1");
  EXPECT_EQ(m[4], "EXTEND_TIMEOUT_USEC=20000000");
  EXPECT_EQ(m[5], "STOPPING=1");
}

TEST(Notifier, WatchdogIntervalFromEnvironment) {
  ::setenv("WATCHDOG_USEC", "30000000", 1);
  ::unsetenv("WATCHDOG_PID");
  EXPECT_EQ(Notifier::watchdogInterval(), std::chrono::microseconds(30000000));
  ::setenv("WATCHDOG_PID", "1", 1);  // meant for another process
  EXPECT_EQ(Notifier::watchdogInterval(), std::nullopt);
  ::unsetenv("WATCHDOG_PID");
  ::unsetenv("WATCHDOG_USEC");
  EXPECT_EQ(Notifier::watchdogInterval(), std::nullopt);
}

TEST(Watchdog, PingsWhileHealthy) {
  NotifyEnv env;
  auto loop = core::makeSdEventLoop();
  ASSERT_TRUE(loop);
  Notifier notifier;
  Watchdog wd(**loop, notifier);
  bool writer_ok = true;
  wd.addCheck("queue writer", [&]() -> std::optional<std::string> {
    if (writer_ok) return std::nullopt;
    return std::string("5 pending, no commit for 12000 ms");
  });
  ASSERT_TRUE(wd.start(std::chrono::milliseconds(20)));  // tick every 10 ms
  // Drive the loop from this thread with a stop timer per phase.
  auto runUntil = [&](const std::function<bool()>& done) {
    auto check = (*loop)->every(std::chrono::milliseconds(5), [&] {
      if (done()) (*loop)->requestStop(0);
    });
    ASSERT_TRUE((*loop)->run());
  };
  // Healthy: pings arrive on the socket.
  runUntil([&] { return wd.pings() >= 3; });
  EXPECT_GE(env.socket.count("WATCHDOG=1"), 3) << env.socket.dump();
}

TEST(Watchdog, NoPingsWhileUnhealthyAndBackAfterRecovery) {
  NotifyEnv env;
  auto loop = core::makeSdEventLoop();
  ASSERT_TRUE(loop);
  Notifier notifier;
  Watchdog wd(**loop, notifier);
  bool writer_ok = false;
  wd.addCheck("queue writer", [&]() -> std::optional<std::string> {
    if (writer_ok) return std::nullopt;
    return std::string("stuck");
  });
  std::uint64_t pings_at_recovery = 0;
  std::size_t messages_while_unhealthy = 0;
  ASSERT_TRUE(wd.start(std::chrono::milliseconds(20)));
  auto driver = (*loop)->every(std::chrono::milliseconds(5), [&] {
    if (!writer_ok && wd.misses() >= 5) {
      messages_while_unhealthy = env.socket.poll().size();
      writer_ok = true;
      pings_at_recovery = wd.pings();
    }
    if (writer_ok && wd.pings() >= pings_at_recovery + 2) (*loop)->requestStop(0);
  });
  ASSERT_TRUE((*loop)->run());
  EXPECT_EQ(messages_while_unhealthy, 0U) << "no WATCHDOG=1 while a check failed";
  EXPECT_EQ(pings_at_recovery, 0U);
  EXPECT_GE(env.socket.count("WATCHDOG=1"), 2) << env.socket.dump();
  EXPECT_TRUE(wd.healthy());
}

TEST(Watchdog, ProgressCheckFailsOnlyWhenWorkIsPendingAndNothingMoves) {
  ManualClock clock;
  std::uint64_t pending = 0;
  std::uint64_t committed = 0;
  auto check = Watchdog::progressCheck([&] { return pending; }, [&] { return committed; }, clock,
                                       std::chrono::seconds(10));
  EXPECT_EQ(check(), std::nullopt);
  clock.mono_ += std::chrono::seconds(60);
  EXPECT_EQ(check(), std::nullopt) << "idle is healthy";
  pending = 5;
  EXPECT_EQ(check(), std::nullopt);
  clock.mono_ += std::chrono::seconds(5);
  EXPECT_EQ(check(), std::nullopt) << "within the stall limit";
  clock.mono_ += std::chrono::seconds(6);
  auto problem = check();
  ASSERT_TRUE(problem);
  EXPECT_EQ(*problem, "5 pending, no progress for 11000 ms");
  committed = 3;
  EXPECT_EQ(check(), std::nullopt) << "progress resets the timer";
}

TEST(Watchdog, NotStartedWithoutInterval) {
  auto loop = core::makeSdEventLoop();
  ASSERT_TRUE(loop);
  Notifier notifier;
  Watchdog wd(**loop, notifier);
  EXPECT_FALSE(wd.start(std::nullopt));
}

}  // namespace
}  // namespace tgw::service
