#include <gtest/gtest.h>

#include "decode/obd2/obd2.hpp"
#include "decode_test_util.hpp"

namespace tgw::decode::obd2 {
namespace {

using namespace std::chrono_literals;
using test::find;
using test::frame;

TEST(Obd2, PidFormulas) {
  const std::uint8_t rpm[] = {0x1A, 0xF8};
  EXPECT_DOUBLE_EQ(*decodePid(0x0C, rpm), 1726.0);  // (256*26 + 248) / 4
  const std::uint8_t a[] = {0x66};
  EXPECT_DOUBLE_EQ(*decodePid(0x0D, a), 102.0);
  EXPECT_DOUBLE_EQ(*decodePid(0x11, a), 40.0);
  EXPECT_DOUBLE_EQ(*decodePid(0x2F, a), 40.0);
  EXPECT_DOUBLE_EQ(*decodePid(0x05, a), 62.0);
  EXPECT_FALSE(decodePid(0x0C, a).has_value());  // too short
  EXPECT_FALSE(decodePid(0x99, a).has_value());  // unknown
}

struct Poll : ::testing::Test {
  MonoTime t0{};
  DecodeOutput out;
};

TEST_F(Poll, RequestsEachPidAndDecodesSingleFrames) {
  Obd2Decoder dec({{0x0C, 0x0D}, 1000, 250, 3}, "car");
  dec.tick(t0, 1, out);
  ASSERT_EQ(out.tx.size(), 1U);
  EXPECT_EQ(out.tx[0].id, kRequestId);
  EXPECT_EQ(out.tx[0].len, 8);
  EXPECT_EQ(out.tx[0].data[0], 0x02);
  EXPECT_EQ(out.tx[0].data[1], 0x01);
  EXPECT_EQ(out.tx[0].data[2], 0x0C);
  out.clear();
  EXPECT_TRUE(dec.decode(frame("7E8#04410C1AF8555555"), 2, out));
  ASSERT_EQ(out.signals.size(), 1U);
  EXPECT_EQ(out.signals[0].name, "car.obd2.engine_rpm");
  EXPECT_DOUBLE_EQ(out.signals[0].number(), 1726.0);
  EXPECT_EQ(out.signals[0].quality, 100);
  out.clear();
  dec.tick(t0 + 10ms, 3, out);  // answered: the next PID goes out at once
  ASSERT_EQ(out.tx.size(), 1U);
  EXPECT_EQ(out.tx[0].data[2], 0x0D);
  out.clear();
  EXPECT_TRUE(dec.decode(frame("7E9#03410D32"), 4, out));
  EXPECT_DOUBLE_EQ(find(out, "car.obd2.vehicle_speed")->number(), 50.0);
  out.clear();
  dec.tick(t0 + 20ms, 5, out);  // cycle done, nothing until the interval passes
  dec.tick(t0 + 500ms, 5, out);
  EXPECT_TRUE(out.tx.empty());
  dec.tick(t0 + 1000ms, 6, out);
  ASSERT_EQ(out.tx.size(), 1U);
  EXPECT_EQ(out.tx[0].data[2], 0x0C);
  EXPECT_EQ(dec.requestsSent(), 3U);
}

TEST_F(Poll, MultiFrameResponseSendsFlowControl) {
  Obd2Decoder dec({{0x0C, 0x0D, 0x11, 0x2F, 0x05}, 1000, 250, 3}, "car");
  // 12-byte answer carrying five PIDs: 41 0C 1A F8 0D 32 11 66 2F 66 05 66
  EXPECT_TRUE(dec.decode(frame("7E8#100C410C1AF80D32"), 1, out));
  ASSERT_EQ(out.tx.size(), 1U);
  EXPECT_EQ(out.tx[0].id, 0x7E0U);
  EXPECT_EQ(out.tx[0].data[0], 0x30);
  EXPECT_TRUE(out.signals.empty());
  EXPECT_TRUE(dec.decode(frame("7E8#2111662F66056655"), 2, out));
  ASSERT_EQ(out.signals.size(), 5U);
  EXPECT_DOUBLE_EQ(find(out, "car.obd2.engine_rpm")->number(), 1726.0);
  EXPECT_DOUBLE_EQ(find(out, "car.obd2.vehicle_speed")->number(), 50.0);
  EXPECT_DOUBLE_EQ(find(out, "car.obd2.throttle_position")->number(), 40.0);
  EXPECT_DOUBLE_EQ(find(out, "car.obd2.fuel_level")->number(), 40.0);
  EXPECT_DOUBLE_EQ(find(out, "car.obd2.coolant_temperature")->number(), 62.0);
}

TEST_F(Poll, NoResponseDropsQualityThenStale) {
  Obd2Decoder dec({{0x2F}, 1000, 250, 2}, "car");
  dec.tick(t0, 1, out);
  EXPECT_TRUE(dec.decode(frame("7E8#03412F66"), 2, out));
  out.clear();
  dec.tick(t0 + 1000ms, 3, out);  // next request
  ASSERT_EQ(out.tx.size(), 1U);
  out.clear();
  dec.tick(t0 + 1300ms, 4, out);  // timed out
  ASSERT_EQ(out.signals.size(), 1U);
  EXPECT_EQ(out.signals[0].quality, 50);
  EXPECT_DOUBLE_EQ(out.signals[0].number(), 40.0);
  EXPECT_EQ(out.issues.at(0).issue, Issue::kNoResponse);
  out.clear();
  dec.tick(t0 + 2000ms, 5, out);
  dec.tick(t0 + 2300ms, 6, out);
  ASSERT_EQ(out.signals.size(), 1U);
  EXPECT_EQ(out.signals[0].quality, 0);  // stale
  out.clear();
  dec.tick(t0 + 3000ms, 7, out);
  dec.tick(t0 + 3300ms, 8, out);
  EXPECT_TRUE(out.signals.empty());  // stale is reported once
  EXPECT_EQ(dec.noResponses(), 3U);
}

TEST_F(Poll, GarbageResponsesCounted) {
  Obd2Decoder dec({}, "car");
  EXPECT_TRUE(dec.decode(frame("7E8#"), 1, out));                  // 0-length
  EXPECT_TRUE(dec.decode(frame("7E8#0F410C"), 1, out));            // SF length beyond data
  EXPECT_TRUE(dec.decode(frame("7E8#2141"), 1, out));              // CF without FF
  EXPECT_TRUE(dec.decode(frame("7E8#02410C"), 1, out));            // 0C without data bytes
  EXPECT_TRUE(dec.decode(frame("7E8#03C10C00"), 1, out));          // not a mode 01 answer
  EXPECT_FALSE(dec.decode(frame("7DF#02010C"), 1, out));           // a request, not for us
  EXPECT_TRUE(out.signals.empty());
  EXPECT_EQ(out.issues.size(), 5U);
  std::vector<std::uint8_t> junk(9 * 50);
  for (std::size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<std::uint8_t>(i * 37 + 11);
  EXPECT_EQ(fuzzObd2(junk.data(), junk.size()), 0);
}

}  // namespace
}  // namespace tgw::decode::obd2
