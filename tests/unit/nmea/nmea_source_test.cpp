#include <gtest/gtest.h>

#include "support/serial_support.hpp"
#include "sources/nmea/nmea_source.hpp"
#include "support/support.hpp"

namespace tgw::sources {
namespace {

config::SourceConfig replayConfig(const std::string& file) {
  config::SourceConfig c;
  c.name = "gps";
  c.type = "nmea";
  c.nmea.replay_file = file;
  c.nmea.replay_rate_hz = 0;  // as fast as possible
  return c;
}

TEST(NmeaSource, ReplaysRecordingIntoSignals) {
  test::LoopThread lt;
  test::RecordingSink sink;
  NmeaSource src(replayConfig(test::sourcePath("tests/data/nmea/telit-he910.log")), SystemClock::instance());
  ASSERT_TRUE(lt.call([&] { return src.start(lt.loop(), sink).has_value(); }));
  ASSERT_TRUE(test::waitFor([&] { return lt.call([&] { return src.status().detail == "replay finished"; }); }));
  // The first position reported is gpsd's first fix.
  const auto all = sink.all();
  auto it = std::find_if(all.begin(), all.end(), [](const Signal& s) { return s.name == "gps.lat"; });
  ASSERT_NE(it, all.end());
  EXPECT_NEAR(it->number(), 50.840203333, 1e-9);
  // Before it, only "no fix" was reported.
  for (auto k = all.begin(); k != it; ++k) {
    EXPECT_NE(k->name, "gps.lon");
    EXPECT_NE(k->name, "gps.speed");
    if (k->name == "gps.fix" && std::next(k) != it) {  // the batch with the first fix carries fix != 0
      EXPECT_EQ(k->number(), 0.0);
    }
  }
  EXPECT_TRUE(sink.last("gps.speed").has_value());
  EXPECT_EQ(sink.last("gps.speed")->unit, "km/h");
  EXPECT_TRUE(sink.last("gps.alt").has_value());
  EXPECT_TRUE(sink.last("gps.satellites").has_value());
  EXPECT_EQ(sink.last("gps.fix")->number(), 3.0);
  const auto c = lt.call([&] { return src.counters(); });
  EXPECT_EQ(c.bad_checksum, 0u);
  EXPECT_EQ(c.garbage, 0u);
  EXPECT_GT(c.unsupported, 400u);  // GSV
  lt.call([&] { src.stop(); });
}

TEST(NmeaSource, BadInputIsCountedAndNeverPublished) {
  test::LoopThread lt;
  test::RecordingSink sink;
  test::TempDir dir;
  config::SourceConfig cfg = replayConfig(dir.write("empty.nmea", ""));
  NmeaSource src(cfg, SystemClock::instance());
  ASSERT_TRUE(lt.call([&] { return src.start(lt.loop(), sink).has_value(); }));
  lt.call([&] {
    // Bad checksum on a valid-looking fix, binary noise, an overlong line,
    // an empty-field GGA, then a good fix split across three reads.
    src.feed("$GPGGA,105153.71,5050.4122,N,00420.8266,E,1,04,2.25,109.44,M,,M,,*78\r\n");
    src.feed(std::string("\x00\xff\xfe garbage \x01\r\n", 16));
    src.feed("$GPGGA," + std::string(1000, '1') + "\r\n");
    src.feed("$GPGGA,,,,,,0,,,,M,,M,,*66\r\n");
    src.feed("$GPGGA,105153.71,5050.41");
    src.feed("22,N,00420.8266,E,1,04,2.25,10");
    src.feed("9.44,M,,M,,*77\r\n");
  });
  const auto c = lt.call([&] { return src.counters(); });
  EXPECT_EQ(c.bad_checksum, 1u);
  EXPECT_EQ(c.garbage, 1u);
  EXPECT_EQ(c.overlong, 1u);
  EXPECT_EQ(c.sentences, 2u);
  EXPECT_EQ(sink.count("gps.lat"), 1u);
  EXPECT_NEAR(sink.last("gps.lat")->number(), 50.840203333, 1e-9);
  EXPECT_EQ(lt.call([&] { return src.status().errors; }), 3u);
  lt.call([&] { src.stop(); });
}

}  // namespace
}  // namespace tgw::sources
