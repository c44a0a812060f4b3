#include <fstream>

#include <gtest/gtest.h>

#include "decode/j1939/j1939.hpp"
#include "decode_test_util.hpp"

namespace tgw::decode::j1939 {
namespace {

using test::canData;
using test::find;
using test::frame;

std::shared_ptr<const dbc::Database> load(const std::string& file) {
  auto r = dbc::loadDbcFile(canData(file));
  EXPECT_TRUE(r.has_value());
  return std::make_shared<const dbc::Database>(std::move(r->db));
}

TEST(J1939, IdFields) {
  const J1939Id eec1 = parseId(0x0CF00400);
  EXPECT_EQ(eec1.priority, 3);
  EXPECT_EQ(eec1.pgn, 61444U);
  EXPECT_EQ(eec1.source, 0x00);
  EXPECT_EQ(eec1.destination, kGlobal);
  EXPECT_FALSE(eec1.pdu1);
  const J1939Id req = parseId(0x18EA00F9);  // PDU1 request to 0x00 from 0xF9
  EXPECT_TRUE(req.pdu1);
  EXPECT_EQ(req.pgn, 0xEA00U);
  EXPECT_EQ(req.destination, 0x00);
  EXPECT_EQ(req.source, 0xF9);
  EXPECT_EQ(req.priority, 6);
}

TEST(J1939, NotAvailableRanges) {
  EXPECT_FALSE(notAvailable(0xFA, 8));
  EXPECT_TRUE(notAvailable(0xFE, 8));
  EXPECT_TRUE(notAvailable(0xFF, 8));
  EXPECT_FALSE(notAvailable(0xFAFF, 16));
  EXPECT_TRUE(notAvailable(0xFE00, 16));
  EXPECT_TRUE(notAvailable(0xFFFF, 16));
  EXPECT_TRUE(notAvailable(0xFFFFFFFF, 32));
  EXPECT_FALSE(notAvailable(0x1, 2));
  EXPECT_TRUE(notAvailable(0x3, 2));
  EXPECT_TRUE(notAvailable(0x2, 2));
}

// The real truck frame from shared/data: EEC1 from source 0x00, while the DBC
// defines EEC1 with source 0xFE: matched on the PGN.
TEST(J1939, TruckFrameMatchesDbcOnPgn) {
  J1939Decoder dec({load("css_j1939_demo.dbc")}, false, "can0");
  std::ifstream in(canData("j1939_truck.candump"));
  std::string line;
  DecodeOutput out;
  int unknown = 0;
  while (std::getline(in, line)) {
    const std::string frame_text = line.substr(line.rfind(' ') + 1);
    if (!dec.decode(frame(frame_text), 1000, out)) ++unknown;
  }
  EXPECT_EQ(unknown, 2);  // 10FDA300 and 18FEE000 are not in the DBC
  const Signal* rpm = find(out, "can0.EEC1.EngineSpeed");
  ASSERT_NE(rpm, nullptr);
  EXPECT_DOUBLE_EQ(rpm->number(), 649.0);
  EXPECT_EQ(rpm->unit, "rpm");
}

TEST(J1939, BuiltinDtgSignals) {
  J1939Decoder dec({}, true, "truck");
  DecodeOutput out;
  EXPECT_TRUE(dec.decode(frame("0CF00400#207D87481400F087"), 1, out));   // EEC1
  EXPECT_TRUE(dec.decode(frame("18FEF117#FF0032FFFFFFFFFF"), 1, out));   // CCVS1: 0x3200/256 = 50 km/h
  EXPECT_TRUE(dec.decode(frame("0CF00300#FF7DFFFFFFFFFFFF"), 1, out));   // EEC2: 125 * 0.4 = 50 %
  EXPECT_TRUE(dec.decode(frame("18FEFC17#FFC8FFFFFFFFFFFF"), 1, out));   // DD1: 200 * 0.4 = 80 %
  EXPECT_TRUE(dec.decode(frame("18FEF200#F401FFFFFFFFFFFF"), 1, out));   // LFE1: 500 * 0.05 = 25 L/h
  EXPECT_DOUBLE_EQ(find(out, "truck.EEC1.EngineSpeed")->number(), 649.0);
  EXPECT_DOUBLE_EQ(find(out, "truck.CCVS1.WheelBasedVehicleSpeed")->number(), 50.0);
  EXPECT_DOUBLE_EQ(find(out, "truck.EEC2.AccelPedalPos1")->number(), 50.0);
  EXPECT_DOUBLE_EQ(find(out, "truck.DD1.FuelLevel1")->number(), 80.0);
  EXPECT_DOUBLE_EQ(find(out, "truck.LFE1.EngineFuelRate")->number(), 25.0);
  EXPECT_EQ(out.signals.size(), 5U);
}

TEST(J1939, NotAvailableIsNotReported) {
  J1939Decoder dec({}, true, "t");
  DecodeOutput out;
  EXPECT_TRUE(dec.decode(frame("0CF00400#FFFFFFFFFFFFFFFF"), 1, out));  // engine speed 0xFFFF
  EXPECT_TRUE(dec.decode(frame("0CF00400#FFFFFF00FEFFFFFF"), 1, out));  // 0xFE00: error indicator
  EXPECT_TRUE(out.signals.empty());
  ASSERT_EQ(out.issues.size(), 2U);
  EXPECT_EQ(out.issues[0].issue, Issue::kNotAvailable);
}

TEST(J1939, BadFramesCounted) {
  J1939Decoder dec({}, true, "t");
  DecodeOutput out;
  EXPECT_TRUE(dec.decode(frame("0CF00400#2080"), 1, out));  // short
  EXPECT_TRUE(dec.decode(frame("0CF00400#"), 1, out));      // 0-length
  CanFrame fd = frame("0CF00400#207D87481400F087");
  fd.fd = true;
  EXPECT_TRUE(dec.decode(fd, 1, out));
  EXPECT_FALSE(dec.decode(frame("123#00"), 1, out));  // standard id: not J1939
  EXPECT_TRUE(out.signals.empty());
  ASSERT_EQ(out.issues.size(), 3U);
  EXPECT_EQ(out.issues[0].issue, Issue::kDlcMismatch);
  EXPECT_EQ(out.issues[1].issue, Issue::kDlcMismatch);
  EXPECT_EQ(out.issues[2].issue, Issue::kFdOnClassic);
}

// A 14-byte message for PGN 0xFEF1 over BAM: the first 8 bytes are CCVS1.
TEST(J1939, BamReassembly) {
  J1939Decoder dec({}, true, "t");
  DecodeOutput out;
  EXPECT_TRUE(dec.decode(frame("1CECFF17#200E0002FFF1FE00"), 0, out));
  EXPECT_TRUE(dec.decode(frame("1CEBFF17#01FF0064FFFFFFFF"), 50, out));
  EXPECT_TRUE(out.signals.empty());
  EXPECT_TRUE(dec.decode(frame("1CEBFF17#02FFFFFFFFFFFFFF"), 100, out));
  ASSERT_EQ(out.signals.size(), 1U) << (out.issues.empty() ? "" : std::string(issueName(out.issues[0].issue)));
  EXPECT_DOUBLE_EQ(out.signals[0].number(), 100.0);  // 0x6400 / 256
}

TEST(J1939, CmdtReassemblyAndErrors) {
  J1939Decoder dec({}, true, "t");
  DecodeOutput out;
  // RTS from 0x00 to 0xF9: 9 bytes, 2 packets, PGN 0xF004 (EEC1)
  EXPECT_TRUE(dec.decode(frame("1CECF900#100900020204F000"), 0, out));
  EXPECT_TRUE(dec.decode(frame("1CEC00F9#1102010000F00400"), 1, out));  // CTS from the receiver
  EXPECT_TRUE(dec.decode(frame("1CEBF900#01207D87401F00F0"), 2, out));
  EXPECT_TRUE(dec.decode(frame("1CEBF900#0287FFFFFFFFFFFF"), 3, out));
  ASSERT_EQ(out.signals.size(), 1U);
  EXPECT_DOUBLE_EQ(out.signals[0].number(), 0x1F40 * 0.125);
  out.clear();
  // Sequence gap, data without a session, timeout: counted, no signal.
  EXPECT_TRUE(dec.decode(frame("1CECF900#100900020204F000"), 10, out));
  EXPECT_TRUE(dec.decode(frame("1CEBF900#0287FFFFFFFFFFFF"), 11, out));
  EXPECT_TRUE(dec.decode(frame("1CEBF900#0187FFFFFFFFFFFF"), 12, out));
  EXPECT_TRUE(dec.decode(frame("1CECF900#100900020204F000"), 20, out));
  EXPECT_TRUE(dec.decode(frame("1CEBF900#0187FFFFFFFFFFFF"), 5000, out));
  EXPECT_TRUE(out.signals.empty());
  EXPECT_EQ(out.issues.size(), 3U);
}

TEST(J1939, FuzzEntryNeverCrashes) {
  std::vector<std::uint8_t> bytes;
  for (int i = 0; i < 13 * 400; ++i) bytes.push_back(static_cast<std::uint8_t>((i * 7919 + i / 13) & 0xFF));
  // Make some records TP frames.
  for (std::size_t off = 0; off + 13 <= bytes.size(); off += 26) {
    bytes[off + 2] = (off / 26) % 2 ? 0xEC : 0xEB;
  }
  EXPECT_EQ(fuzzJ1939(bytes.data(), bytes.size()), 0);
}

}  // namespace
}  // namespace tgw::decode::j1939

namespace tgw::decode::j1939 {
namespace {

// cantools' j1939.dbc: Message1 is PDU1 PGN 0x13400 from 0x01; a frame with
// another priority, destination and source still matches on the PGN.
TEST(J1939, CantoolsDbcPdu1MatchedOnPgn) {
  auto r = dbc::loadDbcFile(test::canData("cantools_j1939.dbc"));
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->issues.empty()) << dbc::formatIssues("cantools_j1939.dbc", r->issues);
  J1939Decoder dec({std::make_shared<const dbc::Database>(std::move(r->db))}, false, "x");
  DecodeOutput out;
  ASSERT_TRUE(dec.decode(test::frame("19347755#FB00000000000000"), 1, out));
  ASSERT_EQ(out.signals.size(), 1U);
  EXPECT_EQ(out.signals[0].name, "x.Message1.Signal1");
  EXPECT_EQ(out.signals[0].number(), -5.0);  // signed: no "not available" filtering
}

}  // namespace
}  // namespace tgw::decode::j1939
