// SlcanSource against a scripted adapter on the master side of a pty pair.
// The source opens a symlink (like /dev/serial/by-id/...); unplugging closes
// the master, replugging opens a new pair and points the symlink at it.
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "core/sd_event_loop.hpp"
#include "sources/slcan/slcan_source.hpp"
#include "support/can_support.hpp"
#include "support/support.hpp"

namespace tgw::sources::can {
namespace {

// The adapter side: a pty master. Independent of the code under test: it
// speaks raw bytes written out by hand.
class FakeAdapter {
 public:
  explicit FakeAdapter(std::string link) : link_(std::move(link)) { plug(); }
  ~FakeAdapter() { unplug(); }
  void plug() {
    master_ = ::posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    EXPECT_GE(master_, 0);
    EXPECT_EQ(::grantpt(master_), 0);
    EXPECT_EQ(::unlockpt(master_), 0);
    const char* name = ::ptsname(master_);
    std::filesystem::remove(link_);
    std::filesystem::create_symlink(name, link_);
    received_.clear();
  }
  void unplug() {
    if (master_ >= 0) ::close(master_);
    master_ = -1;
  }
  void send(std::string_view bytes) const {
    ASSERT_EQ(::write(master_, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  }
  // What the source wrote to the adapter so far.
  const std::string& received() {
    char buf[512];
    ssize_t n = 0;
    while (master_ >= 0 && (n = ::read(master_, buf, sizeof buf)) > 0) received_.append(buf, static_cast<std::size_t>(n));
    return received_;
  }

 private:
  std::string link_;
  int master_ = -1;
  std::string received_;
};

config::SourceConfig slcanConfig(const std::string& port) {
  config::SourceConfig cfg;
  cfg.name = "can1";
  cfg.type = "slcan";
  cfg.can.port = port;
  cfg.can.bitrate = 250000;
  cfg.can.j1939 = true;
  cfg.can.reopen_min_ms = 20;
  cfg.can.reopen_max_ms = 100;
  return cfg;
}

TEST(SlcanPty, SplitFramesNoiseAndReplug) {
  test::TempDir dir;
  const std::string link = dir.file("ttyCAN");
  FakeAdapter adapter(link);
  auto loop = core::makeSdEventLoop();
  ASSERT_TRUE(loop);
  SlcanSource src(slcanConfig(link), SystemClock::instance());
  test::RecordingSink sink;
  test::LoopScript script;
  const std::string eec1 = "T0CF004008207D87481400F087\r";
  script.act("start", [&] { ASSERT_TRUE(src.start(**loop, sink)); })
      .then("adapter initialised: close, S5 (250k), open", [&] { return adapter.received() == "C\rS5\rO\r"; },
            [&] { adapter.send("\r\r\r" + eec1.substr(0, 7)); })
      .act("rest of the frame in two more reads", [&] { adapter.send(eec1.substr(7, 9)); })
      .act("last part", [&] { adapter.send(eec1.substr(16)); })
      .then("decoded from a split frame", [&] { return sink.count("can1.EEC1.EngineSpeed") == 1; },
            [&] {
              adapter.send("\x01\x02noise\r");                    // garbage line
              adapter.send(std::string(300, '7') + "\r");         // overlong line
              adapter.send("\a");                                 // error reply
              adapter.send("T0CF004000\r");                       // 0-length frame
              adapter.send("t35510A00640\r");                     // DLC 1 but text for more: bad line
              adapter.send("T0CF00400820");                       // cut short, finished after noise:
              adapter.send("7D87401F00F087\r");                   // 1000 rpm
            })
      .then("second value", [&] { return sink.count("can1.EEC1.EngineSpeed") == 2; },
            [&] {
              EXPECT_EQ(src.status().state, SourceState::kOnline);
              adapter.unplug();
            })
      .then("offline after unplug", [&] { return src.status().state == SourceState::kOffline; },
            [&] { adapter.plug(); })
      .then("reopened and initialised again",
            [&] { return src.status().state == SourceState::kOnline && adapter.received() == "C\rS5\rO\r"; },
            [&] { adapter.send("T0CF004008207D87481400F087\r"); })
      .then("frames after replug", [&] { return sink.count("can1.EEC1.EngineSpeed") == 3; });
  ASSERT_TRUE(script.run(**loop)) << script.failedStep() << " state " << src.status().detail;
  EXPECT_DOUBLE_EQ(sink.all[0].number(), 649.0);
  EXPECT_DOUBLE_EQ(sink.all[1].number(), 1000.0);
  EXPECT_DOUBLE_EQ(sink.all[2].number(), 649.0);
  EXPECT_EQ(src.opens(), 2U);
  EXPECT_EQ(src.errorReplies(), 1U);
  EXPECT_EQ(src.status().frames, 4U);          // three EEC1 + the 0-length one
  EXPECT_EQ(src.pipeline()->badInput(), 4U);   // noise, overlong, BEL, bad line
  EXPECT_EQ(src.pipeline()->issueCount(decode::Issue::kDlcMismatch), 1U);
  src.stop();
  EXPECT_EQ(adapter.received(), "C\rS5\rO\rC\r");  // channel closed on stop
}

TEST(SlcanPty, AdapterMissingAtStartThenPluggedIn) {
  test::TempDir dir;
  const std::string link = dir.file("ttyCAN");
  auto loop = core::makeSdEventLoop();
  ASSERT_TRUE(loop);
  SlcanSource src(slcanConfig(link), SystemClock::instance());
  test::RecordingSink sink;
  std::unique_ptr<FakeAdapter> adapter;
  test::LoopScript script;
  script.act("start", [&] { ASSERT_TRUE(src.start(**loop, sink)); })
      .then("offline, retrying", [&] { return src.status().state == SourceState::kOffline; },
            [&] { adapter = std::make_unique<FakeAdapter>(link); })
      .then("online once plugged", [&] { return src.status().state == SourceState::kOnline; });
  ASSERT_TRUE(script.run(**loop)) << script.failedStep();
  EXPECT_NE(src.status().detail.find("open"), std::string::npos);
}

TEST(SlcanPty, Obd2RequestsGoOutAsSlcanFrames) {
  test::TempDir dir;
  const std::string link = dir.file("ttyCAN");
  FakeAdapter adapter(link);
  config::SourceConfig cfg = slcanConfig(link);
  cfg.can.j1939 = false;
  cfg.can.obd2.enabled = true;
  cfg.can.obd2.pids = {0x0C};
  auto loop = core::makeSdEventLoop();
  ASSERT_TRUE(loop);
  SlcanSource src(cfg, SystemClock::instance());
  test::RecordingSink sink;
  test::LoopScript script;
  script.act("start", [&] { ASSERT_TRUE(src.start(**loop, sink)); })
      .then("request for PID 0C", [&] { return adapter.received().find("t7DF802010C") != std::string::npos; },
            [&] { adapter.send("t7E880441" "0C1AF8555555\r"); })
      .then("rpm decoded", [&] { return sink.latest("can1.obd2.engine_rpm").has_value(); });
  ASSERT_TRUE(script.run(**loop)) << script.failedStep();
  EXPECT_DOUBLE_EQ(sink.latest("can1.obd2.engine_rpm")->number(), 1726.0);
}

}  // namespace
}  // namespace tgw::sources::can
