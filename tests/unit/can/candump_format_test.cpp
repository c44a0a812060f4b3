#include <gtest/gtest.h>

#include "sources/candump/candump_format.hpp"

namespace tgw::sources::can {
namespace {

TEST(CandumpFormat, RealTruckLine) {
  auto r = parseCandumpLine("(1543509533.001145) can0 0CF00400#207D87481400F087");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_DOUBLE_EQ(r->timestamp, 1543509533.001145);
  EXPECT_EQ(r->interface, "can0");
  EXPECT_TRUE(r->frame.extended);
  EXPECT_EQ(r->frame.id, 0x0CF00400U);
  ASSERT_EQ(r->frame.len, 8);
  EXPECT_EQ(r->frame.data[0], 0x20);
  EXPECT_EQ(r->frame.data[7], 0x87);
}

TEST(CandumpFormat, Variants) {
  auto std_frame = parseCandumpLine("(0.5) vcan0 123#11.22.33");
  ASSERT_TRUE(std_frame);
  EXPECT_FALSE(std_frame->frame.extended);
  EXPECT_EQ(std_frame->frame.len, 3);
  EXPECT_EQ(std_frame->frame.data[2], 0x33);
  auto remote = parseCandumpLine("(1.0) can1 123#R4");
  ASSERT_TRUE(remote);
  EXPECT_TRUE(remote->frame.remote);
  EXPECT_EQ(remote->frame.len, 4);
  auto empty = parseCandumpLine("(1.0) can1 7E8#");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->frame.len, 0);
  auto fd = parseCandumpLine("(2.0) can0 1F334455##1" + std::string(24, 'A'));
  ASSERT_TRUE(fd) << fd.error().message;
  EXPECT_TRUE(fd->frame.fd);
  EXPECT_EQ(fd->frame.len, 12);
  auto err = parseCandumpLine("(3.0) can0 20000040#0000000000000000");
  ASSERT_TRUE(err);
  EXPECT_TRUE(err->frame.error);
  EXPECT_EQ(err->frame.id, 0x40U);
  auto dir = parseCandumpLine("(3.0) can0 123#00 R\r");
  ASSERT_TRUE(dir);
  EXPECT_EQ(dir->frame.len, 1);
}

TEST(CandumpFormat, BadLinesAreErrorsNotCrashes) {
  const char* bad[] = {
      "garbage",
      "(1543509533.001145) can0",                    // truncated
      "(1543509533.001145) can0 0CF00400#207D87",    // fine: 3 bytes
      "(1543509533.001145 can0 0CF00400#20",         // no ')'
      "(abc) can0 123#00",                           // bad timestamp
      "(1.0) can0 12#00",                            // id of 2 digits
      "(1.0) can0 800#00",                           // standard id > 0x7FF
      "(1.0) can0 123#0",                            // odd hex digits
      "(1.0) can0 123#001122334455667788",           // 9 bytes classic
      "(1.0) can0 123#ZZ",                           // not hex
      "(1.0) can0 123##1" ,                          // FD without data: valid, 0 bytes
      "(1.0) can0 123##1AABBCCDDEEFF001122",         // FD with 9 bytes: invalid length
  };
  int ok = 0;
  for (const char* line : bad) ok += parseCandumpLine(line).has_value() ? 1 : 0;
  EXPECT_EQ(ok, 2);
  EXPECT_EQ(parseCandumpLine("").error().code, Errc::kNotFound);
  EXPECT_EQ(parseCandumpLine("   # comment").error().code, Errc::kNotFound);
  std::string junk;
  for (int i = 0; i < 4000; ++i) junk.push_back(static_cast<char>("(0123456789.)# cnABR\n\xff"[i * 7 % 22]));
  EXPECT_EQ(fuzzCandump(reinterpret_cast<const std::uint8_t*>(junk.data()), junk.size()), 0);
}

}  // namespace
}  // namespace tgw::sources::can
