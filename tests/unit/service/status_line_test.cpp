#include "service/status_line.hpp"

#include <gtest/gtest.h>

namespace tgw::service {
namespace {

TEST(StatusLine, LikeTheIssueExample) {
  DaemonSnapshot s;
  s.connection_state = "connected";
  s.connected = true;
  s.broker = "mqtts://broker:8883";
  s.queue_depth = 12;
  s.oldest_age_ms = 3400;
  EXPECT_EQ(statusLine(s, 1234), "connected mqtts://broker:8883 · queue 12 (oldest 3 s) · 1.2k msg/min");
}

TEST(StatusLine, DroppedAndErrorWhileDisconnected) {
  DaemonSnapshot s;
  s.connection_state = "disconnected";
  s.broker = "mqtt://10.0.0.7:1883";
  s.queue_depth = 5400;
  s.oldest_age_ms = 2 * 3600 * 1000 + 5 * 60 * 1000;
  s.dropped = 17;
  s.last_error = "connection refused: not authorized";
  EXPECT_EQ(statusLine(s, 0),
            "disconnected mqtt://10.0.0.7:1883 · queue 5400 (oldest 2 h 5 min) · 0 msg/min · dropped 17 · "
            "connection refused: not authorized");
  s.connected = true;
  s.connection_state = "connected";
  s.queue_depth = 0;
  EXPECT_EQ(statusLine(s, 60), "connected mqtt://10.0.0.7:1883 · queue 0 · 60 msg/min · dropped 17");
}

TEST(StatusLine, HumanUnits) {
  EXPECT_EQ(humanAge(0), "0 s");
  EXPECT_EQ(humanAge(59999), "59 s");
  EXPECT_EQ(humanAge(60000), "1 min");
  EXPECT_EQ(humanAge(3600000), "1 h");
  EXPECT_EQ(humanAge(3 * 86400000LL), "3 d");
  EXPECT_EQ(humanCount(999), "999");
  EXPECT_EQ(humanCount(1000), "1.0k");
  EXPECT_EQ(humanCount(12345), "12k");
  EXPECT_EQ(humanCount(1500000), "1.5M");
}

TEST(RateMeter, CountsOverTheWindow) {
  RateMeter m(std::chrono::seconds(60));
  MonoTime t{};
  EXPECT_EQ(m.perMinute(), 0);
  m.add(t, 100);
  m.add(t + std::chrono::seconds(30), 700);
  EXPECT_DOUBLE_EQ(m.perMinute(), 1200);
  for (int i = 1; i <= 10; ++i) m.add(t + std::chrono::seconds(30 + 10 * i), 700 + 100 * static_cast<std::uint64_t>(i));
  EXPECT_DOUBLE_EQ(m.perMinute(), 600);  // 10/s over the last minute
}

}  // namespace
}  // namespace tgw::service
