// Modbus RTU source over a pty pair against a libmodbus RTU slave.
#include <gtest/gtest.h>

#include "support/modbus_slave.hpp"
#include "support/serial_support.hpp"
#include "support/support.hpp"
#include "sources/modbus/modbus_source.hpp"

namespace tgw::sources {
namespace {

config::SourceConfig rtuSource(const std::string& device_path) {
  config::SourceConfig c;
  c.name = "bus";
  c.type = "modbus_rtu";
  c.modbus.transport = "rtu";
  c.modbus.serial.device = device_path;
  c.modbus.serial.baud = 9600;
  config::ModbusDeviceConfig d;
  d.name = "pzem";
  d.unit_id = 7;
  d.map = "pzem004t";
  d.interval_ms = 50;
  d.timeout_ms = 150;
  d.retries = 1;
  d.backoff_max_ms = 300;
  c.modbus.devices = {d};
  return c;
}

bool online(const test::RecordingSink& sink) {
  auto s = sink.last("bus.pzem.online");
  return s && std::get<bool>(s->value);
}

TEST(ModbusRtu, PzemOverPtyWithCrcErrorsAndMissingPort) {
  test::TempDir dir;
  const std::string link = dir.file("ttyRS485");
  test::LoopThread lt;
  test::RecordingSink sink;
  ModbusSource src(rtuSource(link), SystemClock::instance());
  ASSERT_TRUE(lt.call([&] { return src.start(lt.loop(), sink).has_value(); }));
  // The adapter is not plugged in yet.
  ASSERT_TRUE(test::waitFor([&] { return lt.call([&] { return src.status().state == SourceState::kOffline; }); }));
  EXPECT_NE(lt.call([&] { return src.status().detail; }).find("not found"), std::string::npos);

  test::PtyPair pty;
  auto slave = test::ModbusSlave::rtu(pty.masterFd(), 7);
  slave->setInput(0, {2301, 1234, 0, 2840, 0, 5000, 0, 500, 98, 0});
  test::pointLink(link, pty.slavePath());
  ASSERT_TRUE(test::waitFor([&] { return sink.last("bus.pzem.power_factor").has_value(); }));
  EXPECT_NEAR(sink.last("bus.pzem.voltage")->number(), 230.1, 1e-9);
  EXPECT_NEAR(sink.last("bus.pzem.current")->number(), 1.234, 1e-9);
  EXPECT_NEAR(sink.last("bus.pzem.power")->number(), 284.0, 1e-9);
  EXPECT_NEAR(sink.last("bus.pzem.energy")->number(), 5.0, 1e-9);
  EXPECT_TRUE(online(sink));

  // Replies with a bad CRC: counted, nothing published, device offline.
  const auto good = sink.count("bus.pzem.voltage");
  slave->corrupt(true);
  ASSERT_TRUE(test::waitFor([&] { return !online(sink); }));
  EXPECT_GT(lt.call([&] { return src.counters().crc_errors + src.counters().bad_replies; }), 0u);
  const auto during = sink.count("bus.pzem.voltage");
  EXPECT_LE(during, good + 1);  // at most a poll that was already in flight
  slave->corrupt(false);
  ASSERT_TRUE(test::waitFor([&] { return online(sink) && sink.count("bus.pzem.voltage") > during; }));
  for (const auto& v : sink.values("bus.pzem.voltage")) EXPECT_NEAR(std::get<double>(v), 230.1, 1e-9);
  lt.call([&] { src.stop(); });
}

}  // namespace
}  // namespace tgw::sources
