// Modbus TCP source against a real libmodbus slave on 127.0.0.1.
#include <gtest/gtest.h>

#include "support/modbus_slave.hpp"
#include "support/serial_support.hpp"
#include "support/support.hpp"
#include "sources/modbus/modbus_source.hpp"

namespace tgw::sources {
namespace {

using namespace std::chrono_literals;

config::ModbusRegisterConfig reg(const std::string& name, int address, const std::string& type,
                                 const std::string& order = "", double scale = 1, double offset = 0) {
  config::ModbusRegisterConfig r;
  r.name = name;
  r.address = address;
  r.type = type;
  r.order = order;
  r.scale = scale;
  r.offset = offset;
  return r;
}

config::ModbusDeviceConfig device(const std::string& name, int unit, int interval_ms = 50) {
  config::ModbusDeviceConfig d;
  d.name = name;
  d.unit_id = unit;
  d.interval_ms = interval_ms;
  d.timeout_ms = 100;
  d.retries = 1;
  d.backoff_max_ms = 400;
  return d;
}

config::SourceConfig tcpSource(int port, std::vector<config::ModbusDeviceConfig> devices) {
  config::SourceConfig c;
  c.name = "meters";
  c.type = "modbus_tcp";
  c.modbus.transport = "tcp";
  c.modbus.host = "127.0.0.1";
  c.modbus.port = port;
  c.modbus.devices = std::move(devices);
  return c;
}

double num(const test::RecordingSink& sink, const std::string& name) {
  auto s = sink.last(name);
  return s ? s->number() : -1e300;
}

bool online(const test::RecordingSink& sink, const std::string& name) {
  auto s = sink.last(name);
  return s && std::get<bool>(s->value);
}

TEST(ModbusTcp, AllTypesOrdersScaleOffsetInOneRequest) {
  const int port = test::freePort();
  auto slave = test::ModbusSlave::tcp(port);
  // 123456.0 in the four word orders, as libmodbus' unit-test-server serves it.
  slave->setHolding(100, {0x47F1, 0x2000, 0x2000, 0x47F1, 0xF147, 0x0020, 0x0020, 0xF147});
  slave->setHolding(108, {0xFFFE});                           // s16 -2
  slave->setHolding(109, {0x0001, 0x0002});                   // u32 ABCD 65538
  slave->setHolding(111, {0xFFFF, 0xFFFF});                   // s32 -1
  slave->setHolding(113, {0x0000, 0x0000, 0x0001, 0x0000});   // u64 65536
  slave->setHolding(117, {0x4009, 0x21FB, 0x5444, 0x2D18});   // f64 pi
  slave->setHolding(121, {2301});                             // u16 * 0.1 - 30
  auto d = device("dev", 1);
  d.registers = {reg("abcd", 100, "f32", "ABCD"), reg("cdab", 102, "f32", "CDAB"), reg("badc", 104, "f32", "BADC"),
                 reg("dcba", 106, "f32", "DCBA"), reg("s16", 108, "s16"), reg("u32", 109, "u32"),
                 reg("s32", 111, "s32"), reg("u64", 113, "u64"), reg("f64", 117, "f64"),
                 reg("scaled", 121, "u16", "", 0.1, -30)};
  test::LoopThread lt;
  test::RecordingSink sink;
  ModbusSource src(tcpSource(port, {d}), SystemClock::instance());
  ASSERT_TRUE(lt.call([&] { return src.start(lt.loop(), sink).has_value(); }));
  ASSERT_TRUE(test::waitFor([&] { return sink.last("meters.dev.scaled").has_value(); }));
  for (const char* f : {"abcd", "cdab", "badc", "dcba"}) {
    EXPECT_EQ(num(sink, std::string("meters.dev.") + f), 123456.0) << f;
  }
  EXPECT_EQ(num(sink, "meters.dev.s16"), -2.0);
  EXPECT_EQ(num(sink, "meters.dev.u32"), 65538.0);
  EXPECT_EQ(num(sink, "meters.dev.s32"), -1.0);
  EXPECT_EQ(num(sink, "meters.dev.u64"), 65536.0);
  EXPECT_DOUBLE_EQ(num(sink, "meters.dev.f64"), 3.141592653589793);
  EXPECT_NEAR(num(sink, "meters.dev.scaled"), 200.1, 1e-9);
  EXPECT_TRUE(online(sink, "meters.dev.online"));
  lt.call([&] { src.stop(); });
  const auto c = src.counters();
  EXPECT_GE(c.polls, 1u);
  EXPECT_EQ(c.requests, c.polls);  // registers 100..124 are contiguous: one request per poll
  EXPECT_EQ(c.failed_polls, 0u);
}

TEST(ModbusTcp, Sdm630MapFeedsNamedSignals) {
  const int port = test::freePort();
  auto slave = test::ModbusSlave::tcp(port);
  slave->setInputFloat(0x0000, 231.5f);
  slave->setInputFloat(0x002A, 230.25f);
  slave->setInputFloat(0x0030, 12.5f);
  slave->setInputFloat(0x0034, 2875.5f);
  slave->setInputFloat(0x003E, 0.97f);
  slave->setInputFloat(0x0046, 50.0f);
  slave->setInputFloat(0x0156, 12345.5f);
  auto d = device("kitchen", 1);
  d.map = "sdm630";
  test::LoopThread lt;
  test::RecordingSink sink;
  ModbusSource src(tcpSource(port, {d}), SystemClock::instance());
  ASSERT_TRUE(lt.call([&] { return src.start(lt.loop(), sink).has_value(); }));
  ASSERT_TRUE(test::waitFor([&] { return sink.last("meters.kitchen.energy").has_value(); }));
  EXPECT_EQ(num(sink, "meters.kitchen.voltage_l1"), 231.5);
  EXPECT_EQ(num(sink, "meters.kitchen.voltage"), 230.25);
  EXPECT_EQ(num(sink, "meters.kitchen.current"), 12.5);
  EXPECT_EQ(num(sink, "meters.kitchen.power"), 2875.5);
  EXPECT_EQ(sink.last("meters.kitchen.power")->unit, "W");
  EXPECT_NEAR(num(sink, "meters.kitchen.power_factor"), 0.97, 1e-6);
  EXPECT_EQ(num(sink, "meters.kitchen.frequency"), 50.0);
  EXPECT_EQ(num(sink, "meters.kitchen.energy"), 12345.5);
  lt.call([&] { src.stop(); });
  // Holes up to 16 registers are read through: 0x00..0x11, 0x2A..0x4B and 0x156..0x157,
  // three requests for 17 fields.
  EXPECT_EQ(src.counters().requests, 3 * src.counters().polls);
}

TEST(ModbusTcp, DeadSlaveGoesOfflineWithoutStoppingTheOthersAndComesBack) {
  const int port = test::freePort();
  auto slave = test::ModbusSlave::tcp(port);
  slave->setHolding(0, {42});
  slave->answerUnits({1});  // unit 2 never answers
  auto a = device("alive", 1);
  a.registers = {reg("v", 0, "u16")};
  auto b = device("dead", 2);
  b.registers = {reg("v", 0, "u16")};
  test::LoopThread lt;
  test::RecordingSink sink;
  ModbusSource src(tcpSource(port, {a, b}), SystemClock::instance());
  ASSERT_TRUE(lt.call([&] { return src.start(lt.loop(), sink).has_value(); }));
  ASSERT_TRUE(test::waitFor([&] { return sink.last("meters.dead.online").has_value(); }));
  EXPECT_FALSE(online(sink, "meters.dead.online"));
  EXPECT_FALSE(sink.last("meters.dead.v").has_value());
  // The live device keeps being polled while the dead one backs off.
  const auto before = sink.count("meters.alive.v");
  ASSERT_TRUE(test::waitFor([&] { return sink.count("meters.alive.v") >= before + 10; }));
  EXPECT_TRUE(online(sink, "meters.alive.online"));
  auto st = lt.call([&] { return src.status(); });
  EXPECT_EQ(st.state, SourceState::kOnline);
  EXPECT_NE(st.detail.find("1/2 devices online"), std::string::npos) << st.detail;
  EXPECT_GT(lt.call([&] { return src.counters().timeouts; }), 0u);
  // It answers again: back online with values.
  slave->answerUnits({});
  ASSERT_TRUE(test::waitFor([&] { return online(sink, "meters.dead.online"); }));
  ASSERT_TRUE(test::waitFor([&] { return sink.last("meters.dead.v").has_value(); }));
  EXPECT_EQ(num(sink, "meters.dead.v"), 42.0);
  lt.call([&] { src.stop(); });
}

TEST(ModbusTcp, SlaveStopsAnsweringThenRecovers) {
  const int port = test::freePort();
  auto slave = test::ModbusSlave::tcp(port);
  slave->setHolding(0, {7});
  auto d = device("m", 1);
  d.registers = {reg("v", 0, "u16")};
  test::LoopThread lt;
  test::RecordingSink sink;
  ModbusSource src(tcpSource(port, {d}), SystemClock::instance());
  ASSERT_TRUE(lt.call([&] { return src.start(lt.loop(), sink).has_value(); }));
  ASSERT_TRUE(test::waitFor([&] { return online(sink, "meters.m.online"); }));
  slave->mute(true);
  ASSERT_TRUE(test::waitFor([&] { return !online(sink, "meters.m.online"); }));
  EXPECT_EQ(lt.call([&] { return src.status().state; }), SourceState::kOffline);
  const auto values = sink.count("meters.m.v");
  slave->mute(false);
  ASSERT_TRUE(test::waitFor([&] { return online(sink, "meters.m.online") && sink.count("meters.m.v") > values; }));
  lt.call([&] { src.stop(); });
}

TEST(ModbusTcp, ExceptionReplyIsCountedAndPublishesNothingWrong) {
  const int port = test::freePort();
  auto slave = test::ModbusSlave::tcp(port);
  auto d = device("m", 1);
  d.registers = {reg("ok", 0, "u16"), reg("beyond", test::ModbusSlave::kRegisters - 1, "u32")};
  test::LoopThread lt;
  test::RecordingSink sink;
  ModbusSource src(tcpSource(port, {d}), SystemClock::instance());
  ASSERT_TRUE(lt.call([&] { return src.start(lt.loop(), sink).has_value(); }));
  ASSERT_TRUE(test::waitFor([&] { return lt.call([&] { return src.counters().exceptions; }) >= 2; }));
  lt.call([&] { src.stop(); });
  EXPECT_TRUE(sink.last("meters.m.ok").has_value());
  EXPECT_EQ(sink.last("meters.m.ok")->quality, 80);  // partly failed poll
  EXPECT_FALSE(sink.last("meters.m.beyond").has_value());
  EXPECT_TRUE(online(sink, "meters.m.online"));  // it answers, with an exception
}

TEST(ModbusTcp, ServerDownAtStartThenUp) {
  const int port = test::freePort();
  auto d = device("m", 1);
  d.registers = {reg("v", 0, "u16")};
  test::LoopThread lt;
  test::RecordingSink sink;
  ModbusSource src(tcpSource(port, {d}), SystemClock::instance());
  ASSERT_TRUE(lt.call([&] { return src.start(lt.loop(), sink).has_value(); }));
  ASSERT_TRUE(test::waitFor([&] { return lt.call([&] { return src.status().state == SourceState::kOffline; }); }));
  EXPECT_NE(lt.call([&] { return src.status().detail; }).find("Connection refused"), std::string::npos);
  EXPECT_FALSE(online(sink, "meters.m.online"));
  auto slave = test::ModbusSlave::tcp(port);
  slave->setHolding(0, {5});
  ASSERT_TRUE(test::waitFor([&] { return online(sink, "meters.m.online"); }));
  EXPECT_EQ(num(sink, "meters.m.v"), 5.0);
  lt.call([&] { src.stop(); });
}

}  // namespace
}  // namespace tgw::sources
