#include "uplink/paho/backoff.hpp"

#include <gtest/gtest.h>

namespace tgw::uplink {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, DoublesFromInitialToCapWithoutJitter) {
  config::ReconnectConfig cfg{1000, 60000, 0.0};
  Backoff b(cfg);
  std::vector<long> got;
  for (int i = 0; i < 9; ++i) got.push_back(static_cast<long>(b.next().count()));
  EXPECT_EQ(got, (std::vector<long>{1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000}));
  EXPECT_EQ(b.failures(), 9);
}

TEST(Backoff, ResetStartsAgain) {
  Backoff b(config::ReconnectConfig{500, 4000, 0.0});
  b.next();
  b.next();
  b.reset();
  EXPECT_EQ(b.next(), milliseconds(500));
}

TEST(Backoff, JitterStaysWithinSpreadAndVaries) {
  Backoff b(config::ReconnectConfig{1000, 1000, 0.2}, 42);
  long lo = 1'000'000, hi = 0;
  for (int i = 0; i < 200; ++i) {
    const long d = static_cast<long>(b.next().count());
    lo = std::min(lo, d);
    hi = std::max(hi, d);
  }
  EXPECT_GE(lo, 800);
  EXPECT_LE(hi, 1200);
  EXPECT_GT(hi - lo, 100) << "jitter spreads the delays";
}

TEST(Backoff, ManyFailuresDoNotOverflow) {
  Backoff b(config::ReconnectConfig{1000, 60000, 0.0});
  for (int i = 0; i < 1000; ++i) b.next();
  EXPECT_EQ(b.next(), milliseconds(60000));
}

}  // namespace
}  // namespace tgw::uplink
