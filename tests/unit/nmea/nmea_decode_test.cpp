#include <gtest/gtest.h>

#include <fmt/format.h>

#include <random>

#include "decode/nmea/nmea.hpp"

namespace tgw::decode::nmea {
namespace {

std::string sentence(const std::string& body) { return fmt::format("${}*{:02X}", body, checksum(body)); }

TEST(NmeaSplit, RealSentenceChecksumVerified) {
  auto r = splitSentence("$GPRMC,105153.71,A,5050.4122,N,00420.8266,E,0.14,303.60,120319,,,A*59\r\n");
  ASSERT_EQ(r.problem, Problem::kNone);
  EXPECT_EQ(r.sentence.talker, "GP");
  EXPECT_EQ(r.sentence.type, "RMC");
  EXPECT_EQ(r.sentence.fields.size(), 12u);
}

TEST(NmeaSplit, BadInputIsClassified) {
  EXPECT_EQ(splitSentence("$GPRMC,105153.71,A,5050.4122,N,00420.8266,E,0.14,303.60,120319,,,A*58").problem,
            Problem::kBadChecksum);
  EXPECT_EQ(splitSentence("GPRMC,1*00").problem, Problem::kNoStart);
  EXPECT_EQ(splitSentence("$GPGGA,1,2,3").problem, Problem::kNoChecksum);
  EXPECT_EQ(splitSentence("$GPGGA,1*ZZ").problem, Problem::kNoChecksum);
  EXPECT_EQ(splitSentence(std::string("$GP\x01GA*00", 10)).problem, Problem::kBadCharacter);
  EXPECT_EQ(splitSentence("$" + std::string(300, 'A') + "*00").problem, Problem::kTooLong);
  EXPECT_EQ(splitSentence("").problem, Problem::kEmpty);
  EXPECT_EQ(splitSentence(sentence("G")).problem, Problem::kBadAddress);
}

struct Case {
  std::string body;
  std::optional<double> lat, lon, alt, speed_kmh, course;
  std::optional<int> sats, mode;
  std::optional<bool> valid;
};

class NmeaTable : public ::testing::TestWithParam<Case> {};

TEST_P(NmeaTable, Decodes) {
  const Case& c = GetParam();
  auto r = decodeSentence(sentence(c.body));
  ASSERT_EQ(r.problem, Problem::kNone) << c.body;
  const auto& u = r.update;
  auto near = [](std::optional<double> want, std::optional<double> got, const char* what) {
    ASSERT_EQ(want.has_value(), got.has_value()) << what;
    if (want) {
      EXPECT_NEAR(*want, *got, 1e-9) << what;
    }
  };
  near(c.lat, u.lat, "lat");
  near(c.lon, u.lon, "lon");
  near(c.alt, u.alt_m, "alt");
  near(c.speed_kmh, u.speed_kmh, "speed");
  near(c.course, u.course_deg, "course");
  EXPECT_EQ(c.sats, u.satellites);
  EXPECT_EQ(c.mode, u.mode);
  EXPECT_EQ(c.valid, u.valid);
}

INSTANTIATE_TEST_SUITE_P(
    Sentences, NmeaTable,
    ::testing::Values(
        // GGA from several talkers, southern/western hemisphere.
        Case{"GNGGA,120000.00,3351.2000,S,15112.6000,E,1,12,0.8,58.5,M,22.0,M,,", -33.853333333333333,
             151.21, 58.5, {}, {}, 12, {}, true},
        Case{"GLGGA,120000.00,4807.0380,N,01131.0000,W,2,08,0.9,545.4,M,46.9,M,,", 48.1173, -11.516666666666667,
             545.4, {}, {}, 8, {}, true},
        Case{"BDGGA,120000.00,3958.0000,N,11623.0000,E,0,00,,,M,,M,,", {}, {}, {}, {}, {}, 0, {}, false},
        // RMC valid / void; speed knots -> km/h.
        Case{"GARMC,081836,A,3751.65,S,14507.36,E,000.0,360.0,130998,011.3,E", -37.860833333333333,
             145.12266666666667, {}, 0.0, 360.0, {}, {}, true},
        Case{"GNRMC,081836,A,3751.65,S,14507.36,E,10.0,90.0,130998,,,N", {}, {}, {}, {}, {}, {}, {}, false},
        Case{"GPRMC,,V,,,,,,,,,,N", {}, {}, {}, {}, {}, {}, {}, false},
        // VTG: km/h field preferred; mode N -> nothing.
        Case{"GPVTG,054.7,T,034.4,M,005.5,N,010.2,K,A", {}, {}, {}, 10.2, 54.7, {}, {}, {}},
        Case{"GPVTG,,T,,M,,N,,K,N", {}, {}, {}, {}, {}, {}, {}, {}},
        // GSA mode; GNS with mixed constellation modes.
        Case{"GNGSA,A,3,15,17,24,28,,,,,,,,,4.00,2.25,3.25,1", {}, {}, {}, {}, {}, {}, 3, {}},
        Case{"GNGNS,112257.00,3844.24011,N,00908.43828,W,AN,03,10.5,,,,", 38.737335166666667,
             -9.140638, {}, {}, {}, 3, {}, true},
        Case{"GPGNS,112257.00,,,,,NN,00,,,,,", {}, {}, {}, {}, {}, 0, {}, false},
        Case{"GPGLL,5050.4122,N,00420.8266,E,105153.71,A,A", 50.840203333333333, 4.34711, {}, {}, {}, {}, {},
             true}));

TEST(NmeaDecode, UnsupportedAndMalformed) {
  EXPECT_EQ(decodeSentence(sentence("GPGSV,1,1,00")).problem, Problem::kUnsupported);
  EXPECT_EQ(decodeSentence(sentence("XXGGA,1")).problem, Problem::kUnsupported);
  EXPECT_EQ(decodeSentence(sentence("PGRMZ,1")).problem, Problem::kUnsupported);
  EXPECT_EQ(decodeSentence(sentence("GPGGA,1200x0,5050.41,N,00420.82,E,1,04,2.2,10,M,,M,,")).problem,
            Problem::kBadField);
  EXPECT_EQ(decodeSentence(sentence("GPGGA,120000,5090.41,N,00420.82,E,1,04,2.2,10,M,,M,,")).problem,
            Problem::kBadField);  // 90 minutes
  EXPECT_EQ(decodeSentence(sentence("GPRMC,120000,A,5050.41,Q,00420.82,E,0,0,120319,,,A")).problem,
            Problem::kBadField);  // hemisphere
  // Short sentence: missing fields are empty, not a crash.
  auto r = decodeSentence(sentence("GPGGA,120000"));
  EXPECT_EQ(r.problem, Problem::kNone);
  EXPECT_FALSE(r.update.lat.has_value());
}

TEST(NmeaDecode, RmcDateAndTime) {
  auto r = decodeSentence("$GPRMC,105153.71,A,5050.4122,N,00420.8266,E,0.14,303.60,120319,,,A*59");
  ASSERT_EQ(r.problem, Problem::kNone);
  ASSERT_TRUE(r.update.utc_ms.has_value());
  EXPECT_EQ(*r.update.utc_ms, 1552387913710LL);  // 2019-03-12T10:51:53.710Z
}

TEST(NmeaState, FixFollowsSentences) {
  GpsState s;
  s.apply(decodeSentence("$GPGGA,,,,,,0,,,,M,,M,,*66").update);
  EXPECT_FALSE(s.hasFix());
  EXPECT_EQ(s.fixMode(), 0);
  s.apply(decodeSentence("$GPGGA,105153.71,5050.4122,N,00420.8266,E,1,04,2.25,109.44,M,,M,,*77").update);
  s.apply(decodeSentence("$GPGSA,A,3,15,17,24,28,,,,,,,,,4.00,2.25,3.25*09").update);
  EXPECT_TRUE(s.hasFix());
  EXPECT_EQ(s.fixMode(), 3);
  EXPECT_EQ(s.satellites(), 4);
  s.apply(decodeSentence("$GPRMC,,V,,,,,,,,,,N*53").update);
  EXPECT_FALSE(s.hasFix());
}

TEST(NmeaDecode, RandomBytesNeverCrash) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> len(0, 200);
  int decoded = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string s = "$GP";
    const int n = len(rng);
    for (int k = 0; k < n; ++k) s.push_back(static_cast<char>(i % 3 == 0 ? "0123456789.,NSEWA"[byte(rng) % 17] : byte(rng)));
    if (i % 2 == 0) s = sentence(s.substr(1));
    auto r = decodeSentence(s);
    if (r.problem == Problem::kNone) ++decoded;
    if (r.update.lat) {
      EXPECT_LE(std::abs(*r.update.lat), 90.0);
    }
  }
  EXPECT_GE(decoded, 0);
}

}  // namespace
}  // namespace tgw::decode::nmea
