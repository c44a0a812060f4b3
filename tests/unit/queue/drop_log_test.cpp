#include "queue/drop_log.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>

#include "core/logging.hpp"
#include "test_loop.hpp"

namespace tgw::queue {
namespace {

TEST(DropLog, FirstDropAtOnceThenOneSummaryPerInterval) {
  auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(100);
  log::addSink(sink);
  test::FakeClock clock;
  DropLog dl(clock, std::chrono::seconds(10));
  for (int i = 0; i < 1000; ++i) dl.record(DropReason::kFull, MessageClass::kTelemetry, "tel", 5 + i, "full");
  EXPECT_EQ(dl.linesLogged(), 1U);
  dl.flush();
  EXPECT_EQ(dl.linesLogged(), 1U);  // not yet: the interval has not passed
  dl.record(DropReason::kExpired, MessageClass::kAlert, "al", 3, "old");
  EXPECT_EQ(dl.linesLogged(), 2U);  // another reason logs at once
  clock.advance(std::chrono::seconds(10));
  dl.flush();
  EXPECT_EQ(dl.linesLogged(), 3U);
  log::removeSink(sink);
  const auto lines = sink->last_formatted();
  ASSERT_GE(lines.size(), 3U);
  bool summary = false;
  for (const auto& l : lines) summary = summary || l.find("dropped 999 messages (reason: full)") != std::string::npos;
  EXPECT_TRUE(summary);
}

}  // namespace
}  // namespace tgw::queue

namespace tgw::queue {
namespace {

// Forwarded log lines dropped while offline are counted by the queue but not
// logged: a log line about a dropped log line would be forwarded again.
TEST(DropLog, DroppedForwardedLogLinesAreNotLogged) {
  test::FakeClock clock;
  DropLog dl(clock, std::chrono::seconds(10));
  for (int i = 0; i < 100; ++i) dl.record(DropReason::kNotPersisted, MessageClass::kLog, "bess/logs/warning", 0, "");
  dl.flush(true);
  EXPECT_EQ(dl.linesLogged(), 0U);
  dl.record(DropReason::kNotPersisted, MessageClass::kTelemetry, "tel", 0, "");
  EXPECT_EQ(dl.linesLogged(), 1U);  // other classes still are
}

}  // namespace
}  // namespace tgw::queue
