// Configuration of the serial-line sources: NMEA GPS, Modbus RTU/TCP, AT modem.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace tgw::config {

struct SourceConfig;

struct SerialPortConfig {
  std::string device;      // /dev/ttyUSB0, /dev/serial/by-id/...
  int baud = 9600;
  int data_bits = 8;       // 5..8
  std::string parity = "N";  // N | E | O
  int stop_bits = 1;       // 1 | 2
  int reopen_max_ms = 30000;  // reopen backoff cap after unplug / open failure
};

struct NmeaConfig {
  SerialPortConfig port;        // used unless replay_file is set
  std::string replay_file;      // replay a recorded NMEA log instead of a port
  double replay_rate_hz = 10;   // lines per second when replaying (0 = as fast as possible)
  bool replay_loop = false;
};

struct ModbusRegisterConfig {
  std::string name;
  std::string table = "holding";  // holding | input | coil | discrete
  int address = 0;
  std::string type = "u16";       // u16 s16 u32 s32 u64 s64 f32 f64 bool string
  std::string order;              // ABCD CDAB BADC DCBA; empty = device default
  double scale = 1.0;
  double offset = 0.0;
  std::string unit;
  int length = 0;                 // registers, type string only
};

struct ModbusDeviceConfig {
  std::string name;        // signal names "<source>.<name>.<field>"
  int unit_id = 1;
  std::string map;         // sdm120 | sdm630 | pzem004t | sunspec | "" (registers only)
  std::string order = "ABCD";  // default word/byte order of custom registers
  std::vector<ModbusRegisterConfig> registers;  // custom map (added to a built-in one)
  int interval_ms = 5000;
  int timeout_ms = 500;
  int retries = 2;          // extra attempts per poll before the device counts as failed
  int backoff_max_ms = 60000;  // polling interval grows up to this while the device is offline
  int max_gap = -1;         // merge reads across holes of up to N registers (-1 = map default)
};

struct ModbusConfig {
  std::string transport = "tcp";  // tcp | rtu
  std::string host = "127.0.0.1";  // tcp
  int port = 502;                  // tcp
  SerialPortConfig serial;         // rtu
  std::vector<ModbusDeviceConfig> devices;
};

struct ModemConfig {
  SerialPortConfig port;           // baud default 115200
  int poll_interval_ms = 30000;    // signal / registration / operator
  int command_timeout_ms = 3000;
  int backoff_max_ms = 300000;     // poll interval cap while the modem does not answer
  bool gnss = false;               // power the GNSS on (AT+CGNSPWR=1) and poll AT+CGNSINF
  int gnss_interval_ms = 5000;
  bool cpsi = true;                // AT+CPSI? (SIMCom); off for generic 3GPP modems
};

// Signal names a serial source produces (nullopt: not a serial source type).
// Implemented in src/config/source_serial.cpp.
std::optional<std::vector<std::string>> serialSignalCatalog(const SourceConfig& source);

}  // namespace tgw::config
