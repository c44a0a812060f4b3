#include <gtest/gtest.h>

#include "sources/slcan/slcan_protocol.hpp"

namespace tgw::sources::can {
namespace {

std::vector<SlcanEvent> feed(SlcanParser& p, std::string_view s) {
  std::vector<SlcanEvent> out;
  p.feed(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()), out);
  return out;
}

// The Lawicel examples of shared/data/README.md.
TEST(SlcanProtocol, ReadmeExamples) {
  SlcanParser p;
  auto ev = feed(p, "T12ABCDEF2AA55\rt4563112233\rr1238\rR12ABCDEF6\r");
  ASSERT_EQ(ev.size(), 4U);
  EXPECT_EQ(ev[0].kind, SlcanEvent::Kind::kFrame);
  EXPECT_TRUE(ev[0].frame.extended);
  EXPECT_EQ(ev[0].frame.id, 0x12ABCDEFU);
  EXPECT_EQ(ev[0].frame.len, 2);
  EXPECT_EQ(ev[0].frame.data[0], 0xAA);
  EXPECT_EQ(ev[0].frame.data[1], 0x55);
  EXPECT_EQ(ev[1].frame.id, 0x456U);
  EXPECT_EQ(ev[1].frame.len, 3);
  EXPECT_EQ(ev[1].frame.data[2], 0x33);
  EXPECT_TRUE(ev[2].frame.remote);
  EXPECT_EQ(ev[2].frame.id, 0x123U);
  EXPECT_EQ(ev[2].frame.len, 8);
  EXPECT_TRUE(ev[3].frame.remote);
  EXPECT_TRUE(ev[3].frame.extended);
  EXPECT_EQ(ev[3].frame.len, 6);
}

TEST(SlcanProtocol, SplitAcrossReadsAndTimestamps) {
  SlcanParser p;
  EXPECT_TRUE(feed(p, "t45").empty());
  EXPECT_TRUE(feed(p, "63112").empty());
  auto ev = feed(p, "233EA5F\r\r\a");
  ASSERT_EQ(ev.size(), 3U);
  EXPECT_EQ(ev[0].kind, SlcanEvent::Kind::kFrame);
  EXPECT_EQ(ev[0].frame.data[0], 0x11);
  ASSERT_TRUE(ev[0].timestamp.has_value());
  EXPECT_EQ(*ev[0].timestamp, 0xEA5F);
  EXPECT_EQ(ev[1].kind, SlcanEvent::Kind::kAck);
  EXPECT_EQ(ev[2].kind, SlcanEvent::Kind::kError);
}

TEST(SlcanProtocol, NoiseAndOverlongLines) {
  SlcanParser p;
  auto ev = feed(p, "t12\r" "x\x01\x02\r" "t4569112233\r" "t1230\r" + std::string(200, 'A') + "\rt1231FF\r");
  std::vector<SlcanEvent::Kind> kinds;
  for (const auto& e : ev) kinds.push_back(e.kind);
  const std::vector<SlcanEvent::Kind> want = {SlcanEvent::Kind::kBadLine, SlcanEvent::Kind::kBadLine,
                                              SlcanEvent::Kind::kBadLine, SlcanEvent::Kind::kFrame,
                                              SlcanEvent::Kind::kOverlong, SlcanEvent::Kind::kFrame};
  EXPECT_EQ(kinds, want);
  EXPECT_EQ(ev[3].frame.len, 0);  // 0-length frame is a frame
  EXPECT_EQ(ev[5].frame.data[0], 0xFF);
  std::string junk;
  for (int i = 0; i < 5000; ++i) junk.push_back(static_cast<char>(i * 31 % 256));
  EXPECT_EQ(fuzzSlcan(reinterpret_cast<const std::uint8_t*>(junk.data()), junk.size()), 0);
}

TEST(SlcanProtocol, FormatAndBitrates) {
  decode::CanFrame f;
  f.id = 0x7DF;
  f.len = 3;
  f.data[0] = 0x02;
  f.data[1] = 0x01;
  f.data[2] = 0x0C;
  EXPECT_EQ(formatSlcanFrame(f), "t7DF302010C\r");
  f.extended = true;
  f.id = 0x18DAF110;
  f.remote = true;
  EXPECT_EQ(formatSlcanFrame(f), "R18DAF1103\r");
  EXPECT_EQ(*bitrateCommand(500000), "S6\r");
  EXPECT_EQ(*bitrateCommand(10000), "S0\r");
  EXPECT_EQ(*bitrateCommand(1000000), "S8\r");
  EXPECT_FALSE(bitrateCommand(33333).has_value());
}

}  // namespace
}  // namespace tgw::sources::can
