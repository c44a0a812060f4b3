#include "service/rate_limit_sink.hpp"

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <spdlog/logger.h>

namespace tgw::service {
namespace {

using Time = std::chrono::steady_clock::time_point;

class CaptureSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::vector<std::string> lines;

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    lines.push_back(std::string(msg.logger_name.data(), msg.logger_name.size()) + "|" +
                    std::string(spdlog::level::to_string_view(msg.level).data()) + "|" +
                    std::string(msg.payload.data(), msg.payload.size()));
  }
  void flush_() override {}
};

struct Fixture {
  Time now{};
  std::shared_ptr<CaptureSink> capture = std::make_shared<CaptureSink>();
  std::shared_ptr<RateLimitSink> limiter;
  std::shared_ptr<spdlog::logger> uplink;
  std::shared_ptr<spdlog::logger> queue;

  explicit Fixture(RateLimitOptions options = {}) {
    limiter = std::make_shared<RateLimitSink>(capture, options, [this] { return now; });
    uplink = std::make_shared<spdlog::logger>("uplink", limiter);
    queue = std::make_shared<spdlog::logger>("queue", limiter);
    uplink->set_level(spdlog::level::trace);
    queue->set_level(spdlog::level::trace);
  }
};

TEST(RateLimitSink, SimilarityKeyBlanksNumbers) {
  EXPECT_EQ(RateLimitSink::similarityKey("connect to 10.0.0.7:1883 failed (attempt 12)"),
            "connect to #.#.#.#:# failed (attempt #)");
  EXPECT_EQ(RateLimitSink::similarityKey("no digits"), "no digits");
}

TEST(RateLimitSink, BurstPassesThenSummaryLine) {
  Fixture f;  // 5 per 30 s, warnings and above
  for (int i = 0; i < 120; ++i) f.uplink->error("connect failed (attempt {})", i);
  ASSERT_EQ(f.capture->lines.size(), 5U);
  EXPECT_EQ(f.capture->lines[0], "uplink|error|connect failed (attempt 0)");
  EXPECT_EQ(f.capture->lines[4], "uplink|error|connect failed (attempt 4)");
  EXPECT_EQ(f.limiter->suppressedTotal(), 115U);
  f.now += std::chrono::seconds(31);
  f.limiter->sweep();
  ASSERT_EQ(f.capture->lines.size(), 6U);
  EXPECT_EQ(f.capture->lines[5],
            "uplink|error|suppressed 115 similar message(s) in the last 30 s: connect failed (attempt 5)");
  // A new window starts fresh.
  f.uplink->error("connect failed (attempt {})", 999);
  EXPECT_EQ(f.capture->lines.back(), "uplink|error|connect failed (attempt 999)");
}

TEST(RateLimitSink, SummaryAlsoWhenTheNextSimilarLineArrives) {
  Fixture f;
  for (int i = 0; i < 8; ++i) f.queue->warn("queue full: dropped telemetry seq {}", i);
  f.now += std::chrono::seconds(40);
  f.queue->warn("queue full: dropped telemetry seq {}", 100);
  ASSERT_EQ(f.capture->lines.size(), 7U);
  EXPECT_EQ(f.capture->lines[5],
            "queue|warning|suppressed 3 similar message(s) in the last 30 s: queue full: dropped telemetry seq 5");
  EXPECT_EQ(f.capture->lines[6], "queue|warning|queue full: dropped telemetry seq 100");
}

TEST(RateLimitSink, DifferentComponentsLevelsAndTextsAreSeparate) {
  Fixture f;
  for (int i = 0; i < 10; ++i) {
    f.uplink->error("boom {}", i);
    f.queue->error("boom {}", i);
    f.uplink->warn("boom {}", i);
    f.uplink->error("other problem");
  }
  EXPECT_EQ(f.capture->lines.size(), 20U);  // 4 keys x 5
}

TEST(RateLimitSink, InfoAndDebugPassUntouchedByDefault) {
  Fixture f;
  for (int i = 0; i < 50; ++i) f.uplink->info("progress {}", i);
  for (int i = 0; i < 50; ++i) f.uplink->debug("detail {}", i);
  EXPECT_EQ(f.capture->lines.size(), 100U);
  EXPECT_EQ(f.limiter->suppressedTotal(), 0U);
}

TEST(RateLimitSink, ManyDistinctLinesAreBoundedAndNotLost) {
  RateLimitOptions o;
  o.max_keys = 4;
  o.burst = 1;
  Fixture f(o);
  for (int k = 0; k < 10; ++k) {
    const std::string text(static_cast<std::size_t>(k + 1), 'x');
    f.uplink->error("{}", text);
    f.uplink->error("{}", text);  // suppressed
  }
  // Every distinct line passed once; the suppressed ones were reported when
  // their window was closed early to make room.
  int passed = 0;
  int summaries = 0;
  for (const auto& l : f.capture->lines) {
    if (l.find("suppressed 1 similar") != std::string::npos) {
      ++summaries;
    } else {
      ++passed;
    }
  }
  EXPECT_EQ(passed, 10);
  f.limiter->sweep();
  f.now += std::chrono::seconds(31);
  f.limiter->sweep();
  summaries = 0;
  for (const auto& l : f.capture->lines) summaries += l.find("suppressed 1 similar") != std::string::npos ? 1 : 0;
  EXPECT_EQ(summaries, 10);
}

}  // namespace
}  // namespace tgw::service
