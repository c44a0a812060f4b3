#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tgw/config/can_config.hpp"
#include "tgw/config/serial_config.hpp"

namespace tgw::config {

struct SimulatedMeter {
  std::string node_id;
  double base_power_w = 800;
};

struct SimulatorConfig {
  std::uint64_t seed = 42;
  bool vehicle = true;
  double vehicle_rate_hz = 10;
  double harsh_braking_every_s = 120;  // a hard stop now and then
  bool battery = true;
  double battery_rate_hz = 1;
  int battery_modules = 8;
  std::vector<SimulatedMeter> meters;  // homesync nodes
  double meter_rate_hz = 1;
};

struct SourceConfig {
  std::string name;
  std::string type;  // simulator | (later) socketcan, slcan, candump, nmea, modbus, modem
  int line = 0;      // where it was declared, for later messages
  std::string fingerprint;  // the entry's YAML, normalized: equal = unchanged (reload)
  SimulatorConfig simulator;
  NmeaConfig nmea;      // type nmea
  ModbusConfig modbus;  // type modbus_tcp / modbus_rtu
  ModemConfig modem;    // type modem
  CanSourceConfig can;  // type socketcan / slcan / candump
};

}  // namespace tgw::config
