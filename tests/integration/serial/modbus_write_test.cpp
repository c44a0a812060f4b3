// modbus_write through ModbusSource's Actuator against a real libmodbus slave
// (TCP loopback and RTU over a pty): functions 06 / 16 / 05 with read-back,
// a device that acknowledges but does not store (mismatch), a silent slave
// (timeout), an unknown device, a bus that is down, stop() during a write,
// and polling carrying on afterwards.
#include <gtest/gtest.h>

#include "sources/modbus/modbus_source.hpp"
#include "support/actuator_support.hpp"
#include "support/modbus_slave.hpp"
#include "support/serial_support.hpp"
#include "support/support.hpp"

namespace tgw::sources {
namespace {

using namespace std::chrono_literals;

config::ModbusDeviceConfig device(const std::string& name, int unit) {
  config::ModbusDeviceConfig d;
  d.name = name;
  d.unit_id = unit;
  d.interval_ms = 50;
  d.timeout_ms = 150;
  d.retries = 0;
  d.backoff_max_ms = 200;
  config::ModbusRegisterConfig r;
  r.name = "setpoint";
  r.address = 10;
  r.type = "u16";
  d.registers = {r};
  return d;
}

config::SourceConfig tcpSource(int port) {
  config::SourceConfig c;
  c.name = "bess";
  c.type = "modbus_tcp";
  c.modbus.transport = "tcp";
  c.modbus.host = "127.0.0.1";
  c.modbus.port = port;
  c.modbus.devices = {device("pcs", 1)};
  return c;
}

ModbusWriteOp regs(std::uint16_t address, std::vector<std::uint16_t> values, std::string dev = "pcs") {
  ModbusWriteOp op;
  op.device = std::move(dev);
  op.kind = ModbusWriteOp::Kind::kRegisters;
  op.address = address;
  op.values = std::move(values);
  return op;
}

ModbusWriteOp coil(std::uint16_t address, bool on) {
  ModbusWriteOp op;
  op.device = "pcs";
  op.kind = ModbusWriteOp::Kind::kCoil;
  op.address = address;
  op.coil = on;
  return op;
}

double num(const test::RecordingSink& sink, const std::string& name) {
  auto s = sink.last(name);
  return s ? s->number() : -1;
}

void run(test::LoopThread& lt, ModbusSource& src, HardwareOp op, test::OpRecorder& rec,
         std::chrono::milliseconds timeout = 2s) {
  lt.call([&] { src.actuator()->execute(std::move(op), timeout, rec.done(&lt.loop())); });
  ASSERT_TRUE(test::waitFor([&] { return rec.answered(); }));
}

TEST(ModbusWrite, TcpWritesVerifiedMismatchTimeoutAndPollingContinues) {
  const int port = test::freePort();
  auto slave = test::ModbusSlave::tcp(port);
  slave->setHolding(10, {5});
  test::LoopThread lt;
  test::RecordingSink sink;
  ModbusSource src(tcpSource(port), SystemClock::instance());
  ASSERT_NE(src.actuator(), nullptr);
  EXPECT_TRUE(src.actuator()->supports(ModbusWriteOp{}));
  EXPECT_TRUE(src.actuator()->supports(regs(1, {1}, "pcs")));
  EXPECT_FALSE(src.actuator()->supports(regs(1, {1}, "nope")));
  EXPECT_FALSE(src.actuator()->supports(ModemAtOp{"AT"}));
  ASSERT_TRUE(lt.call([&] { return src.start(lt.loop(), sink).has_value(); }));
  ASSERT_TRUE(test::waitFor([&] { return num(sink, "bess.pcs.setpoint") == 5; }));

  test::OpRecorder one;  // function 06
  run(lt, src, regs(10, {231}), one);
  EXPECT_TRUE(one.ok()) << one.text();
  EXPECT_EQ(one.text(), "wrote 231 to register 10 of 'pcs' (unit 1), read back the same");
  EXPECT_EQ(slave->holding(10), 231);
  ASSERT_TRUE(test::waitFor([&] { return num(sink, "bess.pcs.setpoint") == 231; }));  // polled after

  test::OpRecorder many;  // function 16
  run(lt, src, regs(20, {1, 2, 65535}), many);
  EXPECT_TRUE(many.ok()) << many.text();
  EXPECT_EQ(slave->holding(20), 1);
  EXPECT_EQ(slave->holding(22), 65535);

  test::OpRecorder on, off;  // function 05
  run(lt, src, coil(3, true), on);
  EXPECT_TRUE(on.ok()) << on.text();
  EXPECT_TRUE(slave->coil(3));
  run(lt, src, coil(3, false), off);
  EXPECT_TRUE(off.ok()) << off.text();
  EXPECT_FALSE(slave->coil(3));

  // The device acknowledges but keeps its value: read-back mismatch.
  slave->ignoreWrites(true);
  test::OpRecorder ignored, ignored_many, ignored_coil;
  run(lt, src, regs(10, {232}), ignored);
  EXPECT_EQ(ignored.code(), Errc::kIo);
  EXPECT_NE(ignored.text().find("read back 231, wrote 232"), std::string::npos) << ignored.text();
  run(lt, src, regs(20, {1, 9, 65535}), ignored_many);
  EXPECT_EQ(ignored_many.code(), Errc::kIo);
  EXPECT_NE(ignored_many.text().find("read back 1 2 65535, wrote 1 9 65535"), std::string::npos) << ignored_many.text();
  run(lt, src, coil(4, true), ignored_coil);
  EXPECT_EQ(ignored_coil.code(), Errc::kIo);
  EXPECT_NE(ignored_coil.text().find("read back off, wrote on"), std::string::npos) << ignored_coil.text();
  // Unverified writes are not read back.
  test::OpRecorder unverified;
  auto op = regs(10, {233});
  op.verify = false;
  run(lt, src, op, unverified);
  EXPECT_TRUE(unverified.ok());
  EXPECT_NE(unverified.text().find("not read back"), std::string::npos);
  slave->ignoreWrites(false);

  // A silent slave: the write times out.
  slave->mute(true);
  test::OpRecorder silent;
  run(lt, src, regs(10, {240}), silent, 400ms);
  EXPECT_EQ(silent.code(), Errc::kTimeout) << silent.text();
  slave->mute(false);
  // Polling goes on, and so do writes.
  const auto polls = sink.count("bess.pcs.setpoint");
  ASSERT_TRUE(test::waitFor([&] { return sink.count("bess.pcs.setpoint") > polls + 2; }));
  test::OpRecorder after;
  run(lt, src, regs(10, {241}), after);
  EXPECT_TRUE(after.ok()) << after.text();
  ASSERT_TRUE(test::waitFor([&] { return num(sink, "bess.pcs.setpoint") == 241; }));
  lt.call([&] { src.stop(); });
  for (const auto* r : {&one, &many, &on, &off, &ignored, &ignored_many, &ignored_coil, &unverified, &silent, &after}) {
    EXPECT_EQ(r->calls(), 1);
    EXPECT_EQ(r->offLoop(), 0);
  }
}

TEST(ModbusWrite, RefusedOpsBusDownAndStopDuringAWrite) {
  const int port = test::freePort();
  auto slave = test::ModbusSlave::tcp(port);
  test::LoopThread lt;
  test::RecordingSink sink;
  ModbusSource src(tcpSource(port), SystemClock::instance());
  ASSERT_TRUE(lt.call([&] { return src.start(lt.loop(), sink).has_value(); }));
  ASSERT_TRUE(test::waitFor([&] { return sink.last("bess.pcs.setpoint").has_value(); }));
  test::OpRecorder unknown, empty, wrong_kind, past_end;
  run(lt, src, regs(10, {1}, "nope"), unknown);
  EXPECT_EQ(unknown.code(), Errc::kInvalidArgument);
  EXPECT_NE(unknown.text().find("no device 'nope'"), std::string::npos);
  run(lt, src, regs(10, {}), empty);
  EXPECT_EQ(empty.code(), Errc::kInvalidArgument);
  run(lt, src, CanSendOp{0x100, false, {}}, wrong_kind);
  EXPECT_EQ(wrong_kind.code(), Errc::kInvalidArgument);
  run(lt, src, regs(65535, {1, 2}), past_end);
  EXPECT_EQ(past_end.code(), Errc::kInvalidArgument);

  // stop() while a write waits for a silent slave: answered once, "stopped".
  slave->mute(true);
  test::OpRecorder pending;
  lt.call([&] { src.actuator()->execute(regs(10, {7}), 10s, pending.done(&lt.loop())); });
  ASSERT_TRUE(test::waitFor([&] { return slave->requests() > 0; }));
  lt.call([&] { src.stop(); });
  EXPECT_EQ(pending.calls(), 1);
  EXPECT_EQ(pending.code(), Errc::kUnavailable);
  EXPECT_NE(pending.text().find("stopped"), std::string::npos);
  test::OpRecorder stopped;
  run(lt, src, regs(10, {8}), stopped);
  EXPECT_EQ(stopped.code(), Errc::kUnavailable);
  lt.call([] {});  // anything posted by the worker has run
  EXPECT_EQ(pending.calls(), 1);

  // Nobody listening: the write fails at once as unavailable.
  slave.reset();
  ModbusSource down(tcpSource(port), SystemClock::instance());
  ASSERT_TRUE(lt.call([&] { return down.start(lt.loop(), sink).has_value(); }));
  test::OpRecorder no_bus;
  lt.call([&] { down.actuator()->execute(regs(10, {1}), 5s, no_bus.done(&lt.loop())); });
  ASSERT_TRUE(test::waitFor([&] { return no_bus.answered(); }));
  EXPECT_EQ(no_bus.code(), Errc::kUnavailable) << no_bus.text();
  lt.call([&] { down.stop(); });
}

TEST(ModbusWrite, RtuOverPtyWriteAndReadBack) {
  test::PtyPair pty;
  auto slave = test::ModbusSlave::rtu(pty.masterFd(), 7);
  slave->setHolding(10, {100});
  config::SourceConfig c;
  c.name = "bus";
  c.type = "modbus_rtu";
  c.modbus.transport = "rtu";
  c.modbus.serial.device = pty.slavePath();
  c.modbus.serial.baud = 9600;
  c.modbus.devices = {device("inverter", 7)};
  test::LoopThread lt;
  test::RecordingSink sink;
  ModbusSource src(c, SystemClock::instance());
  ASSERT_TRUE(lt.call([&] { return src.start(lt.loop(), sink).has_value(); }));
  ASSERT_TRUE(test::waitFor([&] { return num(sink, "bus.inverter.setpoint") == 100; }));
  test::OpRecorder w, many, bit;
  run(lt, src, regs(10, {4242}, "inverter"), w);
  EXPECT_TRUE(w.ok()) << w.text();
  run(lt, src, regs(30, {7, 8}, "inverter"), many);
  EXPECT_TRUE(many.ok()) << many.text();
  auto op = coil(1, true);
  op.device = "inverter";
  run(lt, src, op, bit);
  EXPECT_TRUE(bit.ok()) << bit.text();
  EXPECT_EQ(slave->holding(10), 4242);
  EXPECT_EQ(slave->holding(31), 8);
  EXPECT_TRUE(slave->coil(1));
  ASSERT_TRUE(test::waitFor([&] { return num(sink, "bus.inverter.setpoint") == 4242; }));
  lt.call([&] { src.stop(); });
}

}  // namespace
}  // namespace tgw::sources
