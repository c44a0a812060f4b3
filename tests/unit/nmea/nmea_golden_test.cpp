// Golden test: gpsd's own decoding of a real Telit HE910 recording
// (tests/data/nmea/telit-he910.log.chk: each sentence followed by the TPV
// reports gpsd made from it) against ours.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "decode/nmea/nmea.hpp"
#include "support/support.hpp"

namespace tgw::decode::nmea {
namespace {

std::int64_t parseIsoMs(const std::string& s) {
  // "2019-03-12T10:51:53.710Z"
  std::tm tm{};
  tm.tm_year = std::stoi(s.substr(0, 4)) - 1900;
  tm.tm_mon = std::stoi(s.substr(5, 2)) - 1;
  tm.tm_mday = std::stoi(s.substr(8, 2));
  tm.tm_hour = std::stoi(s.substr(11, 2));
  tm.tm_min = std::stoi(s.substr(14, 2));
  const double sec = std::stod(s.substr(17, 6));
  return static_cast<std::int64_t>(timegm(&tm)) * 1000 + std::llround(sec * 1000);
}

TEST(NmeaGolden, TelitHe910MatchesGpsd) {
  std::ifstream in(test::sourcePath("tests/data/nmea/telit-he910.log.chk"));
  ASSERT_TRUE(in) << "missing golden file";
  std::string line;
  std::string last;  // the sentence the next TPV lines belong to
  std::optional<double> gga_alt;  // our altitude from the cycle's GGA
  int positions = 0, no_fix = 0, times = 0, speeds = 0, altitudes = 0, sentences = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (line[0] == '$') {
      last = line;
      auto r = decodeSentence(line);
      if (r.update.type == "GGA") gga_alt = r.update.alt_m;
      // Every sentence in the recording passes the checksum.
      EXPECT_NE(r.problem, Problem::kBadChecksum) << line;
      ++sentences;
      continue;
    }
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || j.value("class", "") != "TPV" || last.empty()) continue;
    auto r = decodeSentence(last);
    ASSERT_EQ(r.problem, Problem::kNone) << last;
    const auto& u = r.update;
    const std::string type = u.type;
    const bool positional = type == "GGA" || type == "RMC" || type == "GLL";
    if (!positional) continue;
    const int mode = j.value("mode", 0);
    if (mode < 2) {
      EXPECT_FALSE(u.lat.has_value()) << "gpsd: no fix, we report a position for " << last;
      ++no_fix;
      continue;
    }
    ASSERT_TRUE(u.lat.has_value() && u.lon.has_value()) << "gpsd has a fix, we do not: " << last;
    EXPECT_NEAR(*u.lat, j["lat"].get<double>(), 1e-9) << last;
    EXPECT_NEAR(*u.lon, j["lon"].get<double>(), 1e-9) << last;
    ++positions;
    if (j.contains("altMSL")) {  // gpsd carries the cycle's GGA altitude into later reports
      ASSERT_TRUE(gga_alt.has_value()) << last;
      EXPECT_NEAR(*gga_alt, j["altMSL"].get<double>(), 1e-6) << last;
      ++altitudes;
    }
    if (type == "RMC" && j.contains("time")) {
      ASSERT_TRUE(u.utc_ms.has_value());
      EXPECT_EQ(*u.utc_ms, parseIsoMs(j["time"].get<std::string>())) << last;
      ++times;
      ASSERT_TRUE(u.speed_kmh.has_value());
      EXPECT_NEAR(*u.speed_kmh / 3.6, j["speed"].get<double>(), 0.0006) << last;  // gpsd: m/s, 3 decimals
      EXPECT_NEAR(*u.course_deg, j["track"].get<double>(), 1e-4) << last;
      ++speeds;
    }
  }
  EXPECT_GT(sentences, 1000);
  EXPECT_GT(positions, 100);
  EXPECT_GT(no_fix, 100);
  EXPECT_GT(times, 50);
  EXPECT_GT(speeds, 50);
  EXPECT_GT(altitudes, 20);
  // The first fix of the recording, as the data README states.
  auto first = decodeSentence("$GPGGA,105153.71,5050.4122,N,00420.8266,E,1,04,2.25,109.44,M,,M,,*77");
  EXPECT_NEAR(*first.update.lat, 50.840203333, 1e-9);
  EXPECT_NEAR(*first.update.lon, 4.347110000, 1e-9);
}

}  // namespace
}  // namespace tgw::decode::nmea
