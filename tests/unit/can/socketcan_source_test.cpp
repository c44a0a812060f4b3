// SocketCanSource against a fake CanSocket (this kernel has no SocketCAN):
// the fake hands out an eventfd the real event loop watches.
#include <sys/eventfd.h>
#include <unistd.h>

#include <deque>

#include <gtest/gtest.h>

#include "core/sd_event_loop.hpp"
#include "support/can_support.hpp"
#include "sources/socketcan/socketcan_source.hpp"

namespace tgw::sources::can {
namespace {

using decode::CanFrame;
using decode::CanFilter;

struct FakeBus {
  std::deque<Expected<CanFrame>> rx;  // what read() returns, in order
  std::vector<CanFrame> tx;
  std::vector<std::vector<CanFilter>> opened_with;
  int fail_opens = 0;  // next open() calls that fail (interface down)
  int opens = 0;
  int fd = -1;
};

class FakeCanSocket final : public CanSocket {
 public:
  explicit FakeCanSocket(FakeBus& bus) : bus_(bus) {}
  Expected<int> open(const std::string& ifname, bool, const std::vector<CanFilter>& filters) override {
    if (bus_.fail_opens > 0) {
      --bus_.fail_opens;
      return tl::unexpected(errnoError(ENODEV, "no CAN interface on " + ifname));
    }
    ++bus_.opens;
    bus_.opened_with.push_back(filters);
    bus_.fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (!bus_.rx.empty()) poke();
    return bus_.fd;
  }
  Expected<std::optional<CanFrame>> read(int fd) override {
    EXPECT_EQ(fd, bus_.fd);
    if (bus_.rx.empty()) {
      std::uint64_t v = 0;
      // read(2)'s result may not be cast away under _FORTIFY_SOURCE (-Werror=unused-result).
      if (::read(fd, &v, sizeof v) < 0) v = 0;
      return std::optional<CanFrame>{};
    }
    auto r = std::move(bus_.rx.front());
    bus_.rx.pop_front();
    if (!r) return tl::unexpected(r.error());
    return std::optional<CanFrame>(*r);
  }
  Expected<void> write(int, const CanFrame& frame) override {
    bus_.tx.push_back(frame);
    return {};
  }
  void close(int fd) override {
    ::close(fd);
    if (fd == bus_.fd) bus_.fd = -1;
  }
  // Make the watched fd readable.
  void poke() const {
    const std::uint64_t one = 1;
    if (bus_.fd >= 0 && ::write(bus_.fd, &one, sizeof one) < 0) return;  // full: already readable
  }

 private:
  FakeBus& bus_;
};

CanFrame frameOf(std::uint32_t id, bool ext, std::initializer_list<std::uint8_t> data) {
  CanFrame f;
  f.id = id;
  f.extended = ext;
  for (auto b : data) f.data[f.len++] = b;
  return f;
}

config::SourceConfig j1939Config() {
  config::SourceConfig cfg;
  cfg.name = "can0";
  cfg.type = "socketcan";
  cfg.can.interface = "can0";
  cfg.can.j1939 = true;
  cfg.can.reopen_min_ms = 10;
  cfg.can.reopen_max_ms = 40;
  return cfg;
}

TEST(SocketCanSource, DecodesFramesWithKernelFiltersFromDecoders) {
  auto loop = core::makeSdEventLoop();
  ASSERT_TRUE(loop);
  FakeBus bus;
  auto sock = std::make_unique<FakeCanSocket>(bus);
  FakeCanSocket* fake = sock.get();
  SocketCanSource src(j1939Config(), SystemClock::instance(), std::move(sock));
  test::RecordingSink sink;
  test::LoopScript script;
  script.act("start", [&] { ASSERT_TRUE(src.start(**loop, sink)); })
      .then("online", [&] { return src.status().state == SourceState::kOnline; },
            [&] {
              bus.rx.push_back(frameOf(0x0CF00400, true, {0x20, 0x7D, 0x87, 0x48, 0x14, 0x00, 0xF0, 0x87}));
              bus.rx.push_back(frameOf(0x0CF00400, true, {}));  // 0-length
              CanFrame fd = frameOf(0x0CF00400, true, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
              fd.fd = true;
              bus.rx.push_back(fd);  // CAN FD on a classic definition
              fake->poke();
            })
      .then("decoded", [&] { return src.status().frames == 3; });
  ASSERT_TRUE(script.run(**loop)) << script.failedStep();
  ASSERT_TRUE(sink.latest("can0.EEC1.EngineSpeed"));
  EXPECT_DOUBLE_EQ(sink.latest("can0.EEC1.EngineSpeed")->number(), 649.0);
  EXPECT_EQ(src.status().errors, 2U);
  EXPECT_EQ(src.framesReceived(), 3U);
  ASSERT_EQ(bus.opened_with.size(), 1U);
  const auto& filters = bus.opened_with[0];
  EXPECT_NE(std::find(filters.begin(), filters.end(), CanFilter{0xF00400, 0x03FFFF00, true}), filters.end());
  EXPECT_NE(std::find(filters.begin(), filters.end(), CanFilter{0xEC0000, 0x03FF0000, true}), filters.end());
  src.stop();
  EXPECT_EQ(src.status().state, SourceState::kStopped);
}

TEST(SocketCanSource, BusOffAndInterfaceDownReopenWithBackoff) {
  auto loop = core::makeSdEventLoop();
  ASSERT_TRUE(loop);
  FakeBus bus;
  bus.fail_opens = 2;  // down at start: two failed attempts, then up
  auto sock = std::make_unique<FakeCanSocket>(bus);
  FakeCanSocket* fake = sock.get();
  SocketCanSource src(j1939Config(), SystemClock::instance(), std::move(sock));
  test::RecordingSink sink;
  test::LoopScript script;
  CanFrame bus_off;
  bus_off.error = true;
  bus_off.id = kErrBusOff;
  bus_off.len = 8;
  script.act("start", [&] { ASSERT_TRUE(src.start(**loop, sink)); })
      .then("offline while the interface is missing", [&] { return src.status().state == SourceState::kOffline; })
      .then("opened after retries", [&] { return src.status().state == SourceState::kOnline; },
            [&] {
              EXPECT_EQ(bus.opens, 1);
              bus.rx.push_back(bus_off);
              fake->poke();
            })
      .then("bus-off reported", [&] { return src.status().state == SourceState::kError; },
            [&] {
              EXPECT_NE(src.status().detail.find("bus-off"), std::string::npos);
              EXPECT_TRUE(src.busOff());
              bus.rx.push_back(frameOf(0x0CF00400, true, {0x20, 0x7D, 0x87, 0x48, 0x14, 0x00, 0xF0, 0x87}));
              fake->poke();
            })
      .then("receiving again", [&] { return src.status().state == SourceState::kOnline && src.status().frames == 1; },
            [&] {
              bus.fail_opens = 1;
              bus.rx.push_back(tl::unexpected(errnoError(ENETDOWN, "read from CAN socket")));
              fake->poke();
            })
      .then("interface down: offline", [&] { return src.status().state == SourceState::kOffline; })
      .then("reopened", [&] { return bus.opens == 2 && src.status().state == SourceState::kOnline; },
            [&] {
              bus.rx.push_back(frameOf(0x0CF00400, true, {0x20, 0x7D, 0x87, 0x48, 0x14, 0x00, 0xF0, 0x87}));
              fake->poke();
            })
      .then("frames after reopen", [&] { return src.status().frames == 2; });
  ASSERT_TRUE(script.run(**loop)) << script.failedStep();
  EXPECT_EQ(src.errorFrames(), 1U);
  EXPECT_EQ(sink.count("can0.EEC1.EngineSpeed"), 2U);
}

TEST(SocketCanSource, Obd2PollsThroughTheSocket) {
  auto loop = core::makeSdEventLoop();
  ASSERT_TRUE(loop);
  FakeBus bus;
  auto sock = std::make_unique<FakeCanSocket>(bus);
  FakeCanSocket* fake = sock.get();
  config::SourceConfig cfg = j1939Config();
  cfg.can.j1939 = false;
  cfg.can.obd2.enabled = true;
  cfg.can.obd2.pids = {0x0D};
  SocketCanSource src(cfg, SystemClock::instance(), std::move(sock));
  test::RecordingSink sink;
  test::LoopScript script;
  script.act("start", [&] { ASSERT_TRUE(src.start(**loop, sink)); })
      .then("request sent", [&] { return !bus.tx.empty(); },
            [&] {
              EXPECT_EQ(bus.tx[0].id, 0x7DFU);
              EXPECT_EQ(bus.tx[0].data[2], 0x0D);
              bus.rx.push_back(frameOf(0x7E8, false, {0x03, 0x41, 0x0D, 0x3C, 0x55, 0x55, 0x55, 0x55}));
              fake->poke();
            })
      .then("speed decoded", [&] { return sink.latest("can0.obd2.vehicle_speed").has_value(); });
  ASSERT_TRUE(script.run(**loop)) << script.failedStep();
  EXPECT_DOUBLE_EQ(sink.latest("can0.obd2.vehicle_speed")->number(), 60.0);
  EXPECT_EQ(bus.opened_with.at(0).at(0), (CanFilter{0x7E8, 0x7F8, false}));
}

}  // namespace
}  // namespace tgw::sources::can
