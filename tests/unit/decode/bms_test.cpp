#include <gtest/gtest.h>

#include "decode/bms/bms_can.hpp"
#include "decode_test_util.hpp"

namespace tgw::decode::bms {
namespace {

using test::find;
using test::frame;

// Pylontech frames from shared/data/README.md.
TEST(BmsCan, PylontechLimitsAndSoc) {
  BmsCanDecoder dec("bat");
  DecodeOutput out;
  ASSERT_TRUE(dec.decode(frame("351#1402740E740ECC01"), 5, out));
  ASSERT_TRUE(dec.decode(frame("355#1A006400"), 5, out));
  EXPECT_TRUE(out.issues.empty());
  EXPECT_NEAR(find(out, "bat.bms.charge_voltage_limit")->number(), 53.2, 1e-9);
  EXPECT_NEAR(find(out, "bat.bms.charge_current_limit")->number(), 370.0, 1e-9);
  EXPECT_NEAR(find(out, "bat.bms.discharge_current_limit")->number(), 370.0, 1e-9);
  EXPECT_NEAR(find(out, "bat.bms.discharge_voltage_limit")->number(), 46.0, 1e-9);
  EXPECT_EQ(find(out, "bat.bms.soc")->number(), 26);
  EXPECT_EQ(find(out, "bat.bms.soh")->number(), 100);
  EXPECT_EQ(find(out, "bat.bms.soc")->unit, "%");
}

TEST(BmsCan, VoltageCurrentTemperatureAlarms) {
  BmsCanDecoder dec("bat");
  DecodeOutput out;
  // 52.00 V, -12.5 A (discharge), 23.4 degC
  ASSERT_TRUE(dec.decode(frame("356#501483FFEA00"), 1, out));
  EXPECT_NEAR(find(out, "bat.bms.voltage")->number(), 52.0, 1e-9);
  EXPECT_NEAR(find(out, "bat.bms.current")->number(), -12.5, 1e-9);
  EXPECT_NEAR(find(out, "bat.bms.temperature")->number(), 23.4, 1e-9);
  EXPECT_NEAR(find(out, "bat.bms.power_kw")->number(), -0.65, 1e-9);
  // over temperature protection + low voltage warning, 3 modules, "PN"
  ASSERT_TRUE(dec.decode(frame("359#0800040003504E"), 1, out));
  EXPECT_EQ(std::get<bool>(find(out, "bat.bms.alarm.over_temperature")->value), true);
  EXPECT_EQ(std::get<bool>(find(out, "bat.bms.alarm.over_voltage")->value), false);
  EXPECT_EQ(std::get<bool>(find(out, "bat.bms.warning.low_voltage")->value), true);
  EXPECT_EQ(std::get<bool>(find(out, "bat.bms.alarm_active")->value), true);
  EXPECT_EQ(find(out, "bat.bms.module_count")->number(), 3);
  ASSERT_TRUE(dec.decode(frame("35C#C0"), 1, out));
  EXPECT_EQ(std::get<bool>(find(out, "bat.bms.charge_enable")->value), true);
  EXPECT_EQ(std::get<bool>(find(out, "bat.bms.force_charge_1")->value), false);
  ASSERT_TRUE(dec.decode(frame("35E#50594C4F4E202020"), 1, out));
  EXPECT_EQ(std::get<std::string>(find(out, "bat.bms.manufacturer")->value), "PYLON");
}

TEST(BmsCan, BadFramesCountedNotDecoded) {
  BmsCanDecoder dec("bat", SignalSelection({"bms.soc"}));
  DecodeOutput out;
  EXPECT_TRUE(dec.decode(frame("355#1A"), 1, out));        // too short
  EXPECT_TRUE(dec.decode(frame("355#"), 1, out));          // 0-length
  EXPECT_TRUE(dec.decode(frame("355#C8006400"), 1, out));  // SoC 200 %
  EXPECT_TRUE(dec.decode(frame("35E#50FF"), 1, out));      // not text
  EXPECT_FALSE(dec.decode(frame("352#00"), 1, out));       // not a BMS id
  EXPECT_TRUE(out.signals.empty());
  EXPECT_EQ(out.issues.size(), 4U);
  out.clear();
  EXPECT_TRUE(dec.decode(frame("355#1A006400"), 1, out));
  ASSERT_EQ(out.signals.size(), 1U);  // selection: soc only
  EXPECT_EQ(out.signals[0].name, "bat.bms.soc");
  const std::uint8_t junk[] = {0x0E, 0x08, 1, 2, 3};
  EXPECT_EQ(fuzzBms(junk, sizeof junk), 0);
}

}  // namespace
}  // namespace tgw::decode::bms
