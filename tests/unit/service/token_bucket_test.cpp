#include "service/token_bucket.hpp"

#include <gtest/gtest.h>

namespace tgw::service {
namespace {

TEST(TokenBucket, BurstThenRate) {
  MonoTime t{};
  TokenBucket b(10, 3, t);
  EXPECT_TRUE(b.take(t));
  EXPECT_TRUE(b.take(t));
  EXPECT_TRUE(b.take(t));
  EXPECT_FALSE(b.take(t));
  t += std::chrono::milliseconds(100);  // one token at 10/s
  EXPECT_TRUE(b.take(t));
  EXPECT_FALSE(b.take(t));
  t += std::chrono::seconds(60);  // capped at the burst
  EXPECT_DOUBLE_EQ(b.tokens(t), 3.0);
}

TEST(TokenBucket, TimeGoingBackwardsDoesNotRefill) {
  MonoTime t = MonoTime{} + std::chrono::seconds(10);
  TokenBucket b(1, 1, t);
  EXPECT_TRUE(b.take(t));
  EXPECT_FALSE(b.take(t - std::chrono::seconds(5)));
}

}  // namespace
}  // namespace tgw::service
