// serial_write through NmeaSource's Actuator on a pty: a receiver
// configuration sentence reaches the device while positions keep being
// read; a device that does not read fills the tty and the writes wait
// without blocking the loop (one times out, the others finish once it
// reads); stop() and a missing port answer kUnavailable; replay has no actuator.
#include <gtest/gtest.h>

#include "sources/nmea/nmea_source.hpp"
#include "support/actuator_support.hpp"
#include "support/serial_support.hpp"
#include "support/support.hpp"

namespace tgw::sources {
namespace {

using namespace std::chrono_literals;

const char* kFix = "$GPGGA,105153.71,5050.4122,N,00420.8266,E,1,04,2.25,109.44,M,,M,,*77\r\n";
const char* kRate = "$PMTK220,1000*1F\r\n";  // MediaTek: 1 Hz updates

config::SourceConfig gpsConfig(const std::string& path) {
  config::SourceConfig c;
  c.name = "gps";
  c.type = "nmea";
  c.nmea.port.device = path;
  c.nmea.port.baud = 9600;
  c.nmea.port.reopen_max_ms = 200;
  return c;
}

TEST(NmeaWrite, ConfigurationSentenceWhileReading) {
  test::PtyPair pty;
  test::LoopThread lt;
  test::RecordingSink sink;
  NmeaSource src(gpsConfig(pty.slavePath()), SystemClock::instance());
  Actuator* a = src.actuator();
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(a->supports(SerialWriteOp{"x"}));
  EXPECT_FALSE(a->supports(CanSendOp{}));
  ASSERT_TRUE(lt.call([&] { return src.start(lt.loop(), sink).has_value(); }));
  ASSERT_TRUE(test::waitFor([&] { return lt.call([&] { return src.status().state == SourceState::kOnline; }); }));
  pty.write(kFix);
  test::OpRecorder rate, empty, wrong;
  lt.call([&] {
    a->execute(SerialWriteOp{kRate}, 1s, rate.done(&lt.loop()));
    EXPECT_FALSE(rate.answered());  // never inside execute()
    a->execute(SerialWriteOp{""}, 1s, empty.done(&lt.loop()));
    a->execute(ModemAtOp{"AT"}, 1s, wrong.done(&lt.loop()));
  });
  ASSERT_TRUE(test::waitFor([&] { return rate.answered() && empty.answered() && wrong.answered(); }));
  EXPECT_TRUE(rate.ok()) << rate.text();
  EXPECT_EQ(rate.text(), "wrote 18 bytes: $PMTK220,1000*1F\\r\\n");
  EXPECT_EQ(empty.code(), Errc::kInvalidArgument);
  EXPECT_EQ(wrong.code(), Errc::kInvalidArgument);
  std::string got;
  ASSERT_TRUE(test::waitFor([&] {
    got += pty.read(10ms);
    return got.size() >= std::string(kRate).size();
  }));
  EXPECT_EQ(got, kRate);
  ASSERT_TRUE(test::waitFor([&] { return sink.last("gps.lat").has_value(); }));  // reading went on
  lt.call([&] { src.stop(); });
  EXPECT_EQ(rate.calls(), 1);
  EXPECT_EQ(rate.offLoop(), 0);
}

TEST(NmeaWrite, FullTtyWaitsWithoutBlockingTheLoopTimeoutAndStop) {
  test::PtyPair pty;  // the test does not read at first: the tty fills up (~12 KB)
  test::LoopThread lt;
  test::RecordingSink sink;
  NmeaSource src(gpsConfig(pty.slavePath()), SystemClock::instance());
  ASSERT_TRUE(lt.call([&] { return src.start(lt.loop(), sink).has_value(); }));
  ASSERT_TRUE(test::waitFor([&] { return lt.call([&] { return src.status().state == SourceState::kOnline; }); }));
  const std::string chunk(4096, 'x');
  constexpr int kWrites = 16;  // 64 KB
  std::vector<test::OpRecorder> recs(kWrites);
  test::OpRecorder short_timeout;
  lt.call([&] {
    for (auto& r : recs) src.actuator()->execute(SerialWriteOp{chunk}, 10s, r.done(&lt.loop()));
    src.actuator()->execute(SerialWriteOp{"$PMTK101*32\r\n"}, 100ms, short_timeout.done(&lt.loop()));
  });
  // The loop is free (this call returns) while the writes wait.
  lt.call([] {});
  int answered = 0;
  for (const auto& r : recs) answered += r.answered() ? 1 : 0;
  EXPECT_LT(answered, kWrites);
  ASSERT_TRUE(test::waitFor([&] { return short_timeout.answered(); }));
  EXPECT_EQ(short_timeout.code(), Errc::kTimeout) << short_timeout.text();
  // The device reads: the rest goes out.
  std::string got;
  ASSERT_TRUE(test::waitFor([&] {
    got += pty.read(10ms);
    for (const auto& r : recs) {
      if (!r.answered()) return false;
    }
    return true;
  }));
  for (const auto& r : recs) EXPECT_TRUE(r.ok()) << r.text();
  // Written is not yet readable: the tty layer hands data to the master side
  // asynchronously, so read until all of it is here (and a little more, to
  // catch a sentence that should not be there).
  const std::string expected(kWrites * chunk.size(), 'x');
  EXPECT_TRUE(test::waitFor([&] {
    got += pty.read(10ms);
    return got.size() >= expected.size();
  }));
  got += pty.read(50ms);
  EXPECT_EQ(got, expected);  // the timed-out sentence never went out

  // stop() while writes wait on a full tty: each answered once, "stopped".
  std::vector<test::OpRecorder> stuck(kWrites);
  lt.call([&] {
    for (auto& r : stuck) src.actuator()->execute(SerialWriteOp{chunk}, 10s, r.done(&lt.loop()));
  });
  lt.call([&] { src.stop(); });
  ASSERT_TRUE(test::waitFor([&] {
    for (const auto& r : stuck) {
      if (!r.answered()) return false;
    }
    return true;
  }));
  int stopped = 0;
  for (const auto& r : stuck) {
    EXPECT_EQ(r.calls(), 1);
    stopped += r.code() == Errc::kUnavailable ? 1 : 0;
  }
  EXPECT_GT(stopped, 0);
  test::OpRecorder after;
  lt.call([&] { src.actuator()->execute(SerialWriteOp{kRate}, 1s, after.done(&lt.loop())); });
  ASSERT_TRUE(test::waitFor([&] { return after.answered(); }));
  EXPECT_EQ(after.code(), Errc::kUnavailable);
  EXPECT_NE(after.text().find("stopped"), std::string::npos);
}

TEST(NmeaWrite, MissingPortAndReplay) {
  test::TempDir dir;
  test::LoopThread lt;
  test::RecordingSink sink;
  NmeaSource src(gpsConfig(dir.file("ttyNone")), SystemClock::instance());
  ASSERT_TRUE(lt.call([&] { return src.start(lt.loop(), sink).has_value(); }));
  test::OpRecorder missing;
  lt.call([&] { src.actuator()->execute(SerialWriteOp{kRate}, 1s, missing.done(&lt.loop())); });
  ASSERT_TRUE(test::waitFor([&] { return missing.answered(); }));
  EXPECT_EQ(missing.code(), Errc::kUnavailable) << missing.text();
  lt.call([&] { src.stop(); });

  auto cfg = gpsConfig("");
  cfg.nmea.replay_file = dir.file("log.nmea");
  NmeaSource replay(cfg, SystemClock::instance());
  EXPECT_EQ(replay.actuator(), nullptr);
}

}  // namespace
}  // namespace tgw::sources
