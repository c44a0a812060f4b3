// can_send through SocketCanSource's Actuator, against a fake CanSocket (this
// kernel has no SocketCAN): frames reach the socket, bad ops are refused
// without touching it, a closed interface or a stopped source answers
// kUnavailable, and Done runs once, on the loop thread, never inside execute().
#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/sd_event_loop.hpp"
#include "sources/socketcan/socketcan_source.hpp"
#include "support/can_support.hpp"

namespace tgw::sources::can {
namespace {

using decode::CanFilter;
using decode::CanFrame;
using namespace std::chrono_literals;

struct Wire {
  std::vector<CanFrame> tx;
  bool down = false;  // open() fails
  bool write_fails = false;
  int fd = -1;
};

class WireSocket final : public CanSocket {
 public:
  explicit WireSocket(Wire& w) : w_(w) {}
  Expected<int> open(const std::string& ifname, bool, const std::vector<CanFilter>&) override {
    if (w_.down) return tl::unexpected(errnoError(ENODEV, "no CAN interface on " + ifname));
    w_.fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    return w_.fd;
  }
  Expected<std::optional<CanFrame>> read(int) override { return std::optional<CanFrame>{}; }
  Expected<void> write(int, const CanFrame& f) override {
    if (w_.write_fails) return tl::unexpected(errnoError(ENOBUFS, "write to CAN socket"));
    w_.tx.push_back(f);
    return {};
  }
  void close(int fd) override { ::close(fd); }

 private:
  Wire& w_;
};

config::SourceConfig cfg() {
  config::SourceConfig c;
  c.name = "can0";
  c.type = "socketcan";
  c.can.interface = "can0";
  c.can.reopen_min_ms = 10;
  c.can.reopen_max_ms = 40;
  return c;
}

struct Answer {
  int calls = 0;
  bool on_loop = false;
  std::optional<Expected<OpOutcome>> result;
};

Actuator::Done recorder(Answer& a, EventLoop& loop) {
  return [&a, &loop](Expected<OpOutcome> r) {
    ++a.calls;
    a.on_loop = loop.inLoopThread();
    a.result = std::move(r);
  };
}

TEST(CanActuator, SendsFramesThroughTheSocket) {
  auto loop = core::makeSdEventLoop();
  ASSERT_TRUE(loop);
  Wire wire;
  SocketCanSource src(cfg(), SystemClock::instance(), std::make_unique<WireSocket>(wire));
  test::RecordingSink sink;
  Answer std_frame, ext_frame;
  bool inside_execute = false;
  test::LoopScript script;
  script.act("start", [&] { ASSERT_TRUE(src.start(**loop, sink)); })
      .then(
          "online", [&] { return src.status().state == SourceState::kOnline; },
          [&] {
            Actuator* a = src.actuator();
            ASSERT_NE(a, nullptr);
            EXPECT_TRUE(a->supports(CanSendOp{}));
            EXPECT_FALSE(a->supports(SerialWriteOp{"x"}));
            EXPECT_FALSE(a->supports(ModbusWriteOp{}));
            a->execute(CanSendOp{0x123, false, {0x01, 0x02}}, 1s, recorder(std_frame, **loop));
            inside_execute = std_frame.calls > 0;
            a->execute(CanSendOp{0x18FEF100, true, {1, 2, 3, 4, 5, 6, 7, 8}}, 1s, recorder(ext_frame, **loop));
          })
      .then("both answered", [&] { return std_frame.calls == 1 && ext_frame.calls == 1; });
  ASSERT_TRUE(script.run(**loop)) << script.failedStep();
  EXPECT_FALSE(inside_execute);
  EXPECT_TRUE(std_frame.on_loop);
  ASSERT_TRUE(*std_frame.result) << std_frame.result->error().message;
  EXPECT_EQ((*std_frame.result)->detail, "sent 123#0102");
  ASSERT_TRUE(*ext_frame.result);
  ASSERT_EQ(wire.tx.size(), 2U);
  EXPECT_EQ(wire.tx[0].id, 0x123U);
  EXPECT_FALSE(wire.tx[0].extended);
  EXPECT_EQ(wire.tx[0].len, 2);
  EXPECT_EQ(wire.tx[0].data[1], 0x02);
  EXPECT_EQ(wire.tx[1].id, 0x18FEF100U);
  EXPECT_TRUE(wire.tx[1].extended);
  EXPECT_EQ(wire.tx[1].len, 8);
  EXPECT_EQ(src.canActuator().sent(), 2U);
  src.stop();
}

TEST(CanActuator, RefusesBadOpsClosedInterfaceAndStoppedSource) {
  auto loop = core::makeSdEventLoop();
  ASSERT_TRUE(loop);
  Wire wire;
  SocketCanSource src(cfg(), SystemClock::instance(), std::make_unique<WireSocket>(wire));
  test::RecordingSink sink;
  Answer nine, big_id, ext_ok_id, serial, io, down, stopped;
  test::LoopScript script;
  script.act("start", [&] { ASSERT_TRUE(src.start(**loop, sink)); })
      .then(
          "online", [&] { return src.status().state == SourceState::kOnline; },
          [&] {
            Actuator* a = src.actuator();
            a->execute(CanSendOp{0x100, false, std::vector<std::uint8_t>(9, 0)}, 1s, recorder(nine, **loop));
            a->execute(CanSendOp{0x800, false, {}}, 1s, recorder(big_id, **loop));
            a->execute(CanSendOp{0x800, true, {}}, 1s, recorder(ext_ok_id, **loop));
            a->execute(SerialWriteOp{"$PMTK\r\n"}, 1s, recorder(serial, **loop));
            wire.write_fails = true;
            a->execute(CanSendOp{0x101, false, {1}}, 1s, recorder(io, **loop));
          })
      .then(
          "answered", [&] { return io.calls == 1; },
          [&] {
            wire.write_fails = false;
            wire.down = true;
            // Interface gone: the next read error closes it (lost()).
            src.stop();
            ASSERT_TRUE(src.start(**loop, sink));
          })
      .then(
          "offline", [&] { return src.status().state == SourceState::kOffline; },
          [&] {
            src.actuator()->execute(CanSendOp{0x102, false, {2}}, 1s, recorder(down, **loop));
            src.stop();
            src.actuator()->execute(CanSendOp{0x103, false, {3}}, 1s, recorder(stopped, **loop));
          })
      .then("all answered", [&] { return down.calls == 1 && stopped.calls == 1; });
  ASSERT_TRUE(script.run(**loop)) << script.failedStep();
  auto code = [](const Answer& a) { return a.result && !*a.result ? a.result->error().code : Errc::kInternal; };
  EXPECT_EQ(code(nine), Errc::kInvalidArgument);
  EXPECT_EQ(code(big_id), Errc::kInvalidArgument);
  EXPECT_TRUE(ext_ok_id.result && *ext_ok_id.result);
  EXPECT_EQ(code(serial), Errc::kInvalidArgument);
  EXPECT_EQ(code(io), Errc::kIo);
  EXPECT_EQ(code(down), Errc::kUnavailable);
  EXPECT_EQ(code(stopped), Errc::kUnavailable);
  EXPECT_NE(stopped.result->error().message.find("stopped"), std::string::npos);
  for (const Answer* a : {&nine, &big_id, &ext_ok_id, &serial, &io, &down, &stopped}) EXPECT_EQ(a->calls, 1);
  ASSERT_EQ(wire.tx.size(), 1U);  // only the valid extended one
  EXPECT_EQ(src.canActuator().failed(), 3U);
}

}  // namespace
}  // namespace tgw::sources::can
