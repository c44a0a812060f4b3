// can_send through SlcanSource on a pty: the command becomes a t/T line on
// the adapter's serial line, between (never inside) other traffic; an
// unplugged adapter or a stopped source answers kUnavailable; candump (a
// replay) has no actuator.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "core/sd_event_loop.hpp"
#include "sources/candump/candump_source.hpp"
#include "sources/slcan/slcan_source.hpp"
#include "support/can_support.hpp"
#include "support/support.hpp"

namespace tgw::sources::can {
namespace {

using namespace std::chrono_literals;

// The adapter: the master side of a pty behind a symlink.
class Adapter {
 public:
  explicit Adapter(std::string link) : link_(std::move(link)) {
    master_ = ::posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    EXPECT_GE(master_, 0);
    EXPECT_EQ(::grantpt(master_), 0);
    EXPECT_EQ(::unlockpt(master_), 0);
    std::filesystem::remove(link_);
    std::filesystem::create_symlink(::ptsname(master_), link_);
  }
  ~Adapter() { unplug(); }
  void unplug() {
    if (master_ >= 0) ::close(master_);
    master_ = -1;
  }
  const std::string& received() {
    char buf[512];
    ssize_t n = 0;
    while (master_ >= 0 && (n = ::read(master_, buf, sizeof buf)) > 0) got_.append(buf, static_cast<std::size_t>(n));
    return got_;
  }

 private:
  std::string link_;
  int master_ = -1;
  std::string got_;
};

config::SourceConfig slcanConfig(const std::string& port) {
  config::SourceConfig cfg;
  cfg.name = "can1";
  cfg.type = "slcan";
  cfg.can.port = port;
  cfg.can.bitrate = 500000;
  cfg.can.reopen_min_ms = 20;
  cfg.can.reopen_max_ms = 100;
  return cfg;
}

struct Answer {
  int calls = 0;
  std::optional<Expected<OpOutcome>> result;
};

Actuator::Done recorder(Answer& a) {
  return [&a](Expected<OpOutcome> r) {
    ++a.calls;
    a.result = std::move(r);
  };
}

TEST(SlcanActuator, FramesWrittenAsSlcanLinesUnplugAndStop) {
  test::TempDir dir;
  const std::string link = dir.file("ttyCAN");
  Adapter adapter(link);
  auto loop = core::makeSdEventLoop();
  ASSERT_TRUE(loop);
  SlcanSource src(slcanConfig(link), SystemClock::instance());
  test::RecordingSink sink;
  Answer std_frame, ext_frame, unplugged, stopped;
  test::LoopScript script;
  script.act("start", [&] { ASSERT_TRUE(src.start(**loop, sink)); })
      .then(
          "adapter initialised", [&] { return adapter.received() == "C\rS6\rO\r"; },
          [&] {
            ASSERT_NE(src.actuator(), nullptr);
            src.actuator()->execute(CanSendOp{0x7DF, false, {0x02, 0x01, 0x0C}}, 1s, recorder(std_frame));
            src.actuator()->execute(CanSendOp{0x18DA10F1, true, {}}, 1s, recorder(ext_frame));
          })
      .then(
          "answered", [&] { return std_frame.calls == 1 && ext_frame.calls == 1; },
          [&] {
            EXPECT_EQ(adapter.received(), "C\rS6\rO\rt7DF302010C\rT18DA10F10\r");
            adapter.unplug();
          })
      .then(
          "offline after unplug", [&] { return src.status().state == SourceState::kOffline; },
          [&] {
            src.actuator()->execute(CanSendOp{0x100, false, {1}}, 1s, recorder(unplugged));
          })
      .then(
          "answered while unplugged", [&] { return unplugged.calls == 1; },
          [&] {
            src.stop();
            src.actuator()->execute(CanSendOp{0x100, false, {1}}, 1s, recorder(stopped));
          })
      .then("answered when stopped", [&] { return stopped.calls == 1; });
  ASSERT_TRUE(script.run(**loop)) << script.failedStep();
  ASSERT_TRUE(*std_frame.result) << std_frame.result->error().message;
  EXPECT_EQ((*std_frame.result)->detail, "sent 7DF#02010C");
  ASSERT_TRUE(*ext_frame.result);
  ASSERT_FALSE(*unplugged.result);
  EXPECT_EQ(unplugged.result->error().code, Errc::kUnavailable);
  ASSERT_FALSE(*stopped.result);
  EXPECT_EQ(stopped.result->error().code, Errc::kUnavailable);
  EXPECT_EQ(std_frame.calls + ext_frame.calls + unplugged.calls + stopped.calls, 4);
}

TEST(SlcanActuator, ReplaySourcesHaveNoActuator) {
  config::SourceConfig cfg;
  cfg.name = "replay";
  cfg.type = "candump";
  CandumpSource src(cfg, SystemClock::instance());
  EXPECT_EQ(src.actuator(), nullptr);
}

}  // namespace
}  // namespace tgw::sources::can
