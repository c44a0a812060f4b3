#include <gtest/gtest.h>

#include "decode/dbc/dbc.hpp"
#include "decode/dbc/dbc_decoder.hpp"
#include "decode_test_util.hpp"

namespace tgw::decode::dbc {
namespace {

using test::canData;
using test::find;
using test::frame;

std::shared_ptr<const Database> load(const std::string& file) {
  auto r = loadDbcFile(canData(file));
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
  EXPECT_TRUE(r->issues.empty()) << formatIssues(file, r->issues);
  return std::make_shared<const Database>(std::move(r->db));
}

TEST(Dbc, ParsesSocialledge) {
  auto db = load("socialledge.dbc");
  ASSERT_EQ(db->messages.size(), 5U);
  const MessageDef* sonars = db->find(200, false);
  ASSERT_NE(sonars, nullptr);
  EXPECT_EQ(sonars->name, "SENSOR_SONARS");
  EXPECT_EQ(sonars->signals.size(), 10U);
  EXPECT_EQ(sonars->multiplexor, 0);
  EXPECT_EQ(sonars->signals[2].mux, MuxRole::kMultiplexed);
  const MessageDef* status = db->find(400, false);
  ASSERT_NE(status, nullptr);
  EXPECT_EQ(status->signals[1].unit, "kph");
  EXPECT_DOUBLE_EQ(status->signals[1].factor, 0.001);
  const MessageDef* cmd = db->find(101, false);
  EXPECT_DOUBLE_EQ(cmd->signals[0].offset, -5);
  EXPECT_DOUBLE_EQ(cmd->signals[0].min, -5);
  EXPECT_DOUBLE_EQ(cmd->signals[0].max, 5);
  const MessageDef* dbg = db->find(500, false);
  ASSERT_NE(dbg->signals[1].label(2), nullptr);
  EXPECT_EQ(*dbg->signals[1].label(2), "IO_DEBUG_test2_enum_two");
}

// The cantools vectors for socialledge.dbc (shared/data/README.md).
TEST(Dbc, CantoolsGoldenSensorSonars) {
  DbcDecoder dec(load("socialledge.dbc"), "can0");
  DecodeOutput out;
  ASSERT_TRUE(dec.decode(frame("0C8#F000000000000000"), 1, out));
  EXPECT_TRUE(out.issues.empty());
  ASSERT_EQ(out.signals.size(), 6U);  // mux, err_count and the four m0 signals
  EXPECT_EQ(find(out, "can0.SENSOR_SONARS.SENSOR_SONARS_mux")->number(), 0);
  EXPECT_EQ(find(out, "can0.SENSOR_SONARS.SENSOR_SONARS_err_count")->number(), 15);
  EXPECT_EQ(find(out, "can0.SENSOR_SONARS.SENSOR_SONARS_left")->number(), 0.0);
  EXPECT_EQ(find(out, "can0.SENSOR_SONARS.SENSOR_SONARS_rear")->number(), 0.0);
  EXPECT_EQ(find(out, "can0.SENSOR_SONARS.SENSOR_SONARS_no_filt_left"), nullptr);
}

TEST(Dbc, MultiplexorSelectsOtherSignals) {
  DbcDecoder dec(load("socialledge.dbc"), "can0");
  DecodeOutput out;
  // mux 1, left = 0x123 * 0.1
  ASSERT_TRUE(dec.decode(frame("0C8#0100230100000000"), 1, out));
  EXPECT_EQ(find(out, "can0.SENSOR_SONARS.SENSOR_SONARS_left"), nullptr);
  ASSERT_NE(find(out, "can0.SENSOR_SONARS.SENSOR_SONARS_no_filt_left"), nullptr);
  EXPECT_NEAR(find(out, "can0.SENSOR_SONARS.SENSOR_SONARS_no_filt_left")->number(), 0x123 * 0.1, 1e-9);
}

TEST(Dbc, CantoolsGoldenIoDebug) {
  DbcDecoder dec(load("socialledge.dbc"), "");
  DecodeOutput out;
  ASSERT_TRUE(dec.decode(frame("1F4#01020304"), 7, out));
  ASSERT_EQ(out.signals.size(), 4U);
  EXPECT_EQ(find(out, "IO_DEBUG.IO_DEBUG_test_unsigned")->number(), 1);
  EXPECT_EQ(find(out, "IO_DEBUG.IO_DEBUG_test_enum")->number(), 2);
  EXPECT_EQ(find(out, "IO_DEBUG.IO_DEBUG_test_signed")->number(), 3);
  EXPECT_EQ(find(out, "IO_DEBUG.IO_DEBUG_test_float")->number(), 2.0);
  EXPECT_EQ(find(out, "IO_DEBUG.IO_DEBUG_test_float")->ts_ms, 7);
}

TEST(Dbc, CantoolsGoldenWrongSizeAndUnknownId) {
  DbcDecoder dec(load("socialledge.dbc"), "can0");
  DecodeOutput out;
  CanFrame heartbeat = frame("064#00000000000000000000");  // 10 bytes for a 1-byte message
  heartbeat.fd = false;
  EXPECT_TRUE(dec.decode(heartbeat, 1, out));
  EXPECT_TRUE(out.signals.empty());
  ASSERT_EQ(out.issues.size(), 1U);
  EXPECT_EQ(out.issues[0].issue, Issue::kDlcMismatch);
  out.clear();
  EXPECT_FALSE(dec.decode(frame("1F3#010203"), 1, out));  // unknown id: not this decoder's
  out.clear();
  EXPECT_TRUE(dec.decode(frame("064#"), 1, out));  // 0-length frame
  EXPECT_EQ(out.issues.at(0).issue, Issue::kDlcMismatch);
  out.clear();
  CanFrame fd = frame("064#01");
  fd.fd = true;
  EXPECT_TRUE(dec.decode(fd, 1, out));
  EXPECT_EQ(out.issues.at(0).issue, Issue::kFdOnClassic);
}

TEST(Dbc, SignedMotorolaFloatAndRange) {
  const char* text = R"(VERSION ""
BO_ 2147484320 BIG: 8 X
 SG_ Motor16 : 7|16@0+ (1,0) [0|0] "" X
 SG_ MotorSigned : 23|12@0- (0.5,0) [0|0] "" X
 SG_ Small : 32|4@1- (1,0) [0|0] "" X
BO_ 300 FLT: 8 X
 SG_ F : 0|32@1- (1,0) [0|0] "V" X
 SG_ Lim : 32|8@1+ (1,0) [0|100] "%" X
SIG_VALTYPE_ 300 F : 1;
)";
  ParseResult r = parseDbc(text);
  ASSERT_TRUE(r.issues.empty()) << formatIssues("x", r.issues);
  const MessageDef* big = r.db.find(0x2A0, true);
  ASSERT_NE(big, nullptr);
  std::vector<DecodedValue> v;
  const std::uint8_t data[8] = {0x12, 0x34, 0xFF, 0xE0, 0x0F, 0, 0, 0};
  ASSERT_EQ(decodeMessage(*big, data, true, v), DecodeStatus::kOk);
  ASSERT_EQ(v.size(), 3U);
  EXPECT_EQ(v[0].value, 0x1234);
  EXPECT_EQ(v[1].value, -1.0);   // 0xFFE >> 0 -> 12 bits 0xFFE = -2 * 0.5
  EXPECT_EQ(v[2].value, -1.0);   // nibble 0xF
  const MessageDef* flt = r.db.find(300, false);
  v.clear();
  std::uint8_t fdata[8] = {0, 0, 0xC0, 0x3F, 200, 0, 0, 0};  // 1.5f little-endian, Lim 200 > 100
  ASSERT_EQ(decodeMessage(*flt, fdata, true, v), DecodeStatus::kOk);
  EXPECT_EQ(v[0].value, 1.5);
  EXPECT_TRUE(v[0].in_range);
  EXPECT_FALSE(v[1].in_range);
}

TEST(Dbc, ErrorsNameTheLine) {
  const char* text = "VERSION \"\"\n\nBO_ 100 A: 8 X\n SG_ S : 0|8@1+ (1,0) [0|0] \"\" X\n SG_ Broken : 0|@1+\n"
                     "BO_ 101 B 8 X\nCM_ SG_ 100 S \"multi\nline; comment\";\nBO_ 102 C: 8 X\n SG_ T : 60|8@1+ (1,0) [0|0] \"\" X\n";
  ParseResult r = parseDbc(text);
  ASSERT_EQ(r.issues.size(), 3U) << formatIssues("f.dbc", r.issues);
  EXPECT_EQ(r.issues[0].line, 5);
  EXPECT_EQ(r.issues[1].line, 6);
  EXPECT_EQ(r.issues[2].line, 10);  // signal past the end of its message
  EXPECT_NE(formatIssues("f.dbc", r.issues).find("f.dbc:5:"), std::string::npos);
  EXPECT_EQ(r.db.messages.size(), 2U);  // A and C still usable
}

// Found by fuzz_dbc: numbers too large for the integer they end up in were
// converted anyway (undefined behaviour). Now each is an issue with its line.
TEST(Dbc, OutOfRangeSpnAndValueLabelsAreIssuesNotUndefinedBehaviour) {
  const char* text = "BO_ 123 M: 8 X\n SG_ S : 0|8@1+ (1,0) [0|255] \"\" X\n\n"
                     "BA_ \"SPN\" SG_ 123 S 5.88889e109;\n"
                     "BA_ \"SPN\" SG_ 123 S 190.5;\n"
                     "VAL_ 123 S 1 \"one\" 1e30 \"big\" ;\n"
                     "BA_ \"SPN\" SG_ 123 S 524287;\n";
  ParseResult r = parseDbc(text);
  ASSERT_EQ(r.issues.size(), 3U) << formatIssues("f.dbc", r.issues);
  EXPECT_EQ(r.issues[0].line, 4);
  EXPECT_NE(r.issues[0].message.find("is not an SPN"), std::string::npos) << r.issues[0].message;
  EXPECT_EQ(r.issues[1].line, 5);
  EXPECT_EQ(r.issues[2].line, 6);
  EXPECT_NE(r.issues[2].message.find("not a raw integer"), std::string::npos) << r.issues[2].message;
  ASSERT_EQ(r.db.messages.size(), 1U);
  const SignalDef& s = r.db.messages[0].signals.at(0);
  EXPECT_EQ(s.spn, 524287U) << "the valid SPN on line 7 still applies";
  EXPECT_TRUE(s.values.empty()) << "a table with a broken value is dropped whole";
}

TEST(Dbc, GarbageNeverCrashes) {
  std::string garbage;
  for (int i = 0; i < 5000; ++i) garbage.push_back(static_cast<char>((i * 131 + 7) % 256));
  const std::string cases[] = {garbage, "BO_", "BO_ 1 A: 8 X\n SG_ S : 0|64@0- (1,0) [0|0] \"\" X\n",
                               "CM_ \"unterminated", "VAL_ 1 S 1 \"a\" 2 ;", "BO_ 99999999999 A: 8 X"};
  for (const auto& c : cases) {
    EXPECT_EQ(fuzzDbc(reinterpret_cast<const std::uint8_t*>(c.data()), c.size()), 0);
  }
}

TEST(Dbc, FiltersAndCatalog) {
  DbcDecoder dec(load("css_j1939_demo.dbc"), "can0", SignalSelection({"EEC1.*"}));
  ASSERT_EQ(dec.filters().size(), 1U);
  EXPECT_EQ(dec.filters()[0], (CanFilter{0x0CF004FE, kExtIdMask, true}));
  const auto cat = dec.catalog();
  EXPECT_NE(std::find(cat.begin(), cat.end(), "CCVS1.WheelBasedVehicleSpeed"), cat.end());
}

TEST(Dbc, LargeGeneratedFileParsesQuickly) {
  std::string text = "VERSION \"\"\n\nBU_: A\n";
  for (int m = 0; m < 2000; ++m) {
    text += "BO_ " + std::to_string(0x80000000U + static_cast<unsigned>(m)) + " Msg" + std::to_string(m) + ": 8 A\n";
    for (int s = 0; s < 8; ++s) {
      text += " SG_ Sig" + std::to_string(s) + " : " + std::to_string(s * 8) + "|8@1+ (0.5,-10) [-10|117.5] \"unit\" A\n";
    }
    text += "\n";
  }
  ASSERT_GT(text.size(), 800U * 1024U);
  ParseResult r = parseDbc(text);
  EXPECT_TRUE(r.issues.empty());
  EXPECT_EQ(r.db.messages.size(), 2000U);
  EXPECT_EQ(r.db.signalCount(), 16000U);
}

}  // namespace
}  // namespace tgw::decode::dbc
