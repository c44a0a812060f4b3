// The YAML of the serial sources: parsed values, errors with positions, catalog.
#include <gtest/gtest.h>

#include "tgw/config/catalog.hpp"
#include "tgw/config/loader.hpp"

namespace tgw::config {
namespace {

constexpr const char* kHead = R"(gateway:
  device_id: gw-1
  state_dir: /tmp/x
)";

constexpr const char* kSources = R"(sources:
  - name: gps
    type: nmea
    device: /dev/ttyACM0
    baud: 4800
  - name: meters
    type: modbus_tcp
    host: 192.168.1.50
    devices:
      - name: kitchen
        unit_id: 3
        map: sdm630
        interval_ms: 2000
      - name: tank
        registers:
          - {name: level, address: 100, type: f32, order: CDAB, scale: 0.1, unit: "%"}
          - {name: pump, table: coil, address: 5}
  - name: bms
    type: modbus_rtu
    device: /dev/ttyUSB0
    baud: 19200
    parity: E
    devices:
      - {name: inverter, unit_id: 1, map: sunspec, timeout_ms: 800, retries: 3}
  - name: modem
    type: modem
    device: /dev/ttyUSB2
    gnss: true
profiles:
  homesync:
    home_id: h1
    nodes:
      - node_id: kitchen
        metrics: {power: meters.kitchen.power, energy: meters.kitchen.energy}
)";

TEST(SerialConfig, ParsesAllFourTypes) {
  Diagnostics diag("gw.yaml");
  auto cfg = loadString(std::string(kHead) + kSources, "gw.yaml", diag);
  ASSERT_TRUE(cfg.has_value()) << diag.format();
  ASSERT_EQ(cfg->sources.size(), 4u);
  const auto& gps = cfg->sources[0];
  EXPECT_EQ(gps.nmea.port.device, "/dev/ttyACM0");
  EXPECT_EQ(gps.nmea.port.baud, 4800);
  const auto& m = cfg->sources[1].modbus;
  EXPECT_EQ(m.transport, "tcp");
  EXPECT_EQ(m.host, "192.168.1.50");
  EXPECT_EQ(m.port, 502);
  ASSERT_EQ(m.devices.size(), 2u);
  EXPECT_EQ(m.devices[0].unit_id, 3);
  EXPECT_EQ(m.devices[0].map, "sdm630");
  EXPECT_EQ(m.devices[0].interval_ms, 2000);
  ASSERT_EQ(m.devices[1].registers.size(), 2u);
  EXPECT_EQ(m.devices[1].registers[0].order, "CDAB");
  EXPECT_DOUBLE_EQ(m.devices[1].registers[0].scale, 0.1);
  EXPECT_EQ(m.devices[1].registers[1].type, "bool");
  const auto& rtu = cfg->sources[2].modbus;
  EXPECT_EQ(rtu.transport, "rtu");
  EXPECT_EQ(rtu.serial.parity, "E");
  EXPECT_EQ(rtu.devices[0].retries, 3);
  const auto& modem = cfg->sources[3].modem;
  EXPECT_EQ(modem.port.baud, 115200);
  EXPECT_TRUE(modem.gnss);

  auto names = signalCatalog(cfg->sources[1]);
  ASSERT_TRUE(names.has_value());
  auto has = [&](const std::vector<std::string>& v, const std::string& n) {
    return std::find(v.begin(), v.end(), n) != v.end();
  };
  EXPECT_TRUE(has(*names, "meters.kitchen.power"));
  EXPECT_TRUE(has(*names, "meters.kitchen.online"));
  EXPECT_TRUE(has(*names, "meters.tank.level"));
  EXPECT_TRUE(has(*names, "meters.tank.pump"));
  EXPECT_TRUE(has(*signalCatalog(cfg->sources[0]), "gps.lat"));
  EXPECT_TRUE(has(*signalCatalog(cfg->sources[2]), "bms.inverter.battery_soc"));
  EXPECT_TRUE(has(*signalCatalog(cfg->sources[3]), "modem.gps.lat"));
  EXPECT_TRUE(has(*signalCatalog(cfg->sources[3]), "modem.rssi_dbm"));
}

TEST(SerialConfig, ErrorsSayWhereAndSuggest) {
  const std::string yaml = std::string(kHead) + R"(sources:
  - name: meters
    type: modbus_tcp
    host: 10.0.0.2
    devices:
      - name: a
        map: sdm603
      - name: b
      - name: a
        registers:
          - {name: x, address: 1, type: f32, order: ABDC}
          - {name: y, table: coil, address: 2, type: u16}
          - {name: z, adress: 3}
  - name: gps
    type: nmea
    baud: 1234
)";
  Diagnostics diag("gw.yaml");
  auto cfg = loadString(yaml, "gw.yaml", diag);
  ASSERT_FALSE(cfg.has_value());
  const std::string text = diag.format();
  EXPECT_NE(text.find("'sdm603' is not one of"), std::string::npos) << text;
  EXPECT_NE(text.find("did you mean 'sdm630'"), std::string::npos) << text;
  EXPECT_NE(text.find("a device needs a built-in 'map'"), std::string::npos) << text;
  EXPECT_NE(text.find("duplicate device name 'a'"), std::string::npos) << text;
  EXPECT_NE(text.find("'ABDC' is not one of"), std::string::npos) << text;
  EXPECT_NE(text.find("a coil is a single bit"), std::string::npos) << text;
  EXPECT_NE(text.find("adress"), std::string::npos) << text;
  EXPECT_NE(text.find("device"), std::string::npos) << text;  // nmea without device
  EXPECT_NE(text.find("unsupported baud rate 1234"), std::string::npos) << text;
  EXPECT_NE(text.find("gw.yaml:"), std::string::npos) << text;
}

}  // namespace
}  // namespace tgw::config
