// candump log replay through the real event loop into the decoders.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/sd_event_loop.hpp"
#include "sources/candump/candump_source.hpp"
#include "support/can_support.hpp"
#include "support/support.hpp"

namespace tgw::sources::can {
namespace {

config::SourceConfig replayConfig(const std::string& file) {
  config::SourceConfig cfg;
  cfg.name = "truck";
  cfg.type = "candump";
  cfg.can.file = file;
  cfg.can.pace = "fast";
  cfg.can.j1939 = true;
  return cfg;
}

bool finished(const CandumpSource& s) { return s.finished(); }

TEST(CandumpReplay, RealTruckLogFast) {
  auto loop = core::makeSdEventLoop();
  ASSERT_TRUE(loop);
  CandumpSource src(replayConfig(test::sourcePath("tests/data/can/j1939_truck.candump")), SystemClock::instance());
  test::RecordingSink sink;
  test::LoopScript script;
  script.act("start", [&] { ASSERT_TRUE(src.start(**loop, sink)); }).then("end of file", [&] { return finished(src); });
  ASSERT_TRUE(script.run(**loop)) << script.failedStep();
  ASSERT_TRUE(sink.latest("truck.EEC1.EngineSpeed"));
  EXPECT_DOUBLE_EQ(sink.latest("truck.EEC1.EngineSpeed")->number(), 649.0);
  EXPECT_EQ(sink.all.size(), 1U);
  EXPECT_EQ(src.status().frames, 3U);
  EXPECT_EQ(src.status().errors, 0U);
  EXPECT_EQ(src.pipeline()->issueCount(decode::Issue::kUnknownId), 2U);
  EXPECT_EQ(src.status().state, SourceState::kOffline);
  EXPECT_NE(src.status().detail.find("finished"), std::string::npos);
}

// The cantools vectors of socialledge.dbc, as a candump log.
TEST(CandumpReplay, DbcGoldenThroughTheSource) {
  test::TempDir dir;
  const std::string log = dir.write("sl.log",
                                    "(1.000000) can0 0C8#F000000000000000\n"
                                    "(1.001000) can0 1F4#01020304\n"
                                    "(1.002000) can0 064##0" + std::string(20, '0') + "\n"  // 10 bytes FD... invalid len
                                    "(1.003000) can0 064#00000000000000000000\n"  // 10 bytes classic: bad line
                                    "(1.004000) can0 064#0000\n"                  // DLC mismatch
                                    "(1.005000) can0 1F3#010203\n");              // unknown id
  config::SourceConfig cfg = replayConfig(log);
  cfg.can.j1939 = false;
  cfg.can.dbc = true;
  cfg.can.dbc_files = {test::sourcePath("tests/data/can/socialledge.dbc")};
  auto loop = core::makeSdEventLoop();
  ASSERT_TRUE(loop);
  CandumpSource src(cfg, SystemClock::instance());
  test::RecordingSink sink;
  test::LoopScript script;
  script.act("start", [&] { ASSERT_TRUE(src.start(**loop, sink)); }).then("end of file", [&] { return finished(src); });
  ASSERT_TRUE(script.run(**loop)) << script.failedStep();
  EXPECT_EQ(sink.latest("truck.SENSOR_SONARS.SENSOR_SONARS_err_count")->number(), 15);
  EXPECT_EQ(sink.latest("truck.IO_DEBUG.IO_DEBUG_test_enum")->number(), 2);
  EXPECT_EQ(sink.latest("truck.IO_DEBUG.IO_DEBUG_test_float")->number(), 2.0);
  EXPECT_EQ(sink.all.size(), 10U);
  EXPECT_EQ(src.status().frames, 4U);  // two lines never became frames
  EXPECT_EQ(src.pipeline()->badInput(), 2U);
  EXPECT_EQ(src.pipeline()->issueCount(decode::Issue::kDlcMismatch), 1U);
  EXPECT_EQ(src.pipeline()->issueCount(decode::Issue::kUnknownId), 1U);
  EXPECT_EQ(src.status().errors, 3U);
}

TEST(CandumpReplay, PacedByTimestampsInOrderAndLooping) {
  test::TempDir dir;
  std::string text;
  for (int i = 0; i < 20; ++i) {
    // CCVS1 wheel speed i km/h, 10 ms apart
    text += fmt::format("({:.6f}) can0 18FEF100#FF{:02X}{:02X}FFFFFFFFFF\n", 100.0 + i * 0.01, (i * 256) & 0xFF,
                        (i * 256) >> 8);
  }
  config::SourceConfig cfg = replayConfig(dir.write("paced.log", text));
  cfg.can.pace = "recorded";
  cfg.can.speed = 4.0;  // 200 ms of recording in ~50 ms
  cfg.can.loop = true;
  auto loop = core::makeSdEventLoop();
  ASSERT_TRUE(loop);
  CandumpSource src(cfg, SystemClock::instance());
  test::RecordingSink sink;
  test::LoopScript script;
  script.act("start", [&] { ASSERT_TRUE(src.start(**loop, sink)); })
      .then("three passes", [&] { return src.passes() >= 3; }, [&] { src.stop(); });
  ASSERT_TRUE(script.run(**loop)) << script.failedStep();
  ASSERT_GE(sink.all.size(), 60U);
  for (std::size_t i = 0; i < 60; ++i) {
    EXPECT_DOUBLE_EQ(sink.all[i].number(), static_cast<double>(i % 20)) << i;
  }
  EXPECT_FALSE(src.finished());
  EXPECT_EQ(src.status().state, SourceState::kStopped);
}

TEST(CandumpReplay, GarbageNeverStopsTheReplay) {
  test::TempDir dir;
  std::string text = "(1.0) can0 0CF00400#207D87481400F087\n";
  text += "\x01\x02\xff garbage\n(1.1) can0\n(1.2) can0 0CF00400#20\n(1.3)\n";
  text += "(1.4) can0 0CF00400##1" + std::string(24, 'F') + "\n";  // CAN FD on a classic definition
  text += "(1.5) can0 0CF00400#\n";                                  // 0-length
  text += "(1.6) can0 0CF00400#FFFFFFFFFFFFFFFF\n";                  // not available
  text += std::string(10000, 'x') + "\n";
  text += "(1.7) can0 0CF00400#207D87401F00F087\n";                  // 1000 rpm
  text += "(1.8) can0 0CF00400#207D8740";                           // truncated last line, no newline
  auto loop = core::makeSdEventLoop();
  ASSERT_TRUE(loop);
  CandumpSource src(replayConfig(dir.write("bad.log", text)), SystemClock::instance());
  test::RecordingSink sink;
  test::LoopScript script;
  script.act("start", [&] { ASSERT_TRUE(src.start(**loop, sink)); }).then("end of file", [&] { return finished(src); });
  ASSERT_TRUE(script.run(**loop)) << script.failedStep();
  ASSERT_EQ(sink.count("truck.EEC1.EngineSpeed"), 2U);
  EXPECT_DOUBLE_EQ(sink.all[0].number(), 649.0);
  EXPECT_DOUBLE_EQ(sink.all[1].number(), 1000.0);
  EXPECT_EQ(src.pipeline()->badInput(), 4U);  // garbage, no frame, no timestamp text, long line
  EXPECT_EQ(src.pipeline()->issueCount(decode::Issue::kDlcMismatch), 3U);  // 1 byte, 0 bytes, truncated 4 bytes
  EXPECT_EQ(src.pipeline()->issueCount(decode::Issue::kFdOnClassic), 1U);
  EXPECT_EQ(src.pipeline()->issueCount(decode::Issue::kNotAvailable), 1U);
}

}  // namespace
}  // namespace tgw::sources::can
