// isoUtc: the profiles' "timestamp" text from 64-bit Unix milliseconds. A
// regression test for armhf (issue 12): time_t is 32 bits on Debian 12
// armhf, and the gmtime_r version wrapped 2038-01-19T03:14:08Z to 1901.
// Passes on every architecture; run it under qemu-arm-static with
// scripts/test-arm-full --arch armhf.
#include <gtest/gtest.h>

#include <cstdint>

#include "profiles/payload.hpp"

namespace tgw::profiles {
namespace {

TEST(PayloadIsoUtc, EpochAndAnOrdinaryDate) {
  EXPECT_EQ(isoUtc(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(isoUtc(1738852200000), "2025-02-06T14:30:00Z");
  EXPECT_EQ(isoUtc(1738852200999), "2025-02-06T14:30:00Z");  // whole seconds, truncated
}

TEST(PayloadIsoUtc, BeforeTheEpochRoundsDown) {
  EXPECT_EQ(isoUtc(-1), "1969-12-31T23:59:59Z");
  EXPECT_EQ(isoUtc(-1000), "1969-12-31T23:59:59Z");
  EXPECT_EQ(isoUtc(-1001), "1969-12-31T23:59:58Z");
}

TEST(PayloadIsoUtc, PastTheEndOf32BitTimeT) {
  EXPECT_EQ(isoUtc(std::int64_t{2147483647} * 1000), "2038-01-19T03:14:07Z");
  EXPECT_EQ(isoUtc(std::int64_t{2147483648} * 1000), "2038-01-19T03:14:08Z");
  EXPECT_EQ(isoUtc(std::int64_t{4102444800} * 1000), "2100-01-01T00:00:00Z");
  EXPECT_EQ(isoUtc(std::int64_t{253402300799} * 1000 + 999), "9999-12-31T23:59:59Z");
}

}  // namespace
}  // namespace tgw::profiles
