// Typed configuration of downlink commands (docs/commands.md): the action
// table, limits, the exactly-once ledger and HMAC signatures.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tgw/config/secret.hpp"

namespace tgw::config {

// One typed parameter of an action.
struct CommandParamSpec {
  std::string name;
  std::string type = "int";  // int | float | bool | enum | string
  bool required = true;
  std::optional<double> min;  // int / float
  std::optional<double> max;
  std::vector<std::string> values;               // enum: allowed values
  std::map<std::string, std::string> value_map;  // enum: value -> text substituted (optional)
  int max_len = 64;                              // string: bytes
  std::optional<std::string> default_value;      // optional params: substituted when absent
  double scale = 1.0;  // numeric encodings (can data, modbus values): raw = round(value * scale + offset)
  double offset = 0.0;
};

// How an action builds its HardwareOp. Text fields may contain ${param}.
struct CommandTemplate {
  // can_send
  std::string can_id;  // "0x18FF50E5" or "${id}"
  bool extended = false;
  std::vector<std::string> data;  // one item per field: "0x01", "${level}", "${power:u16le}"
  // serial_write
  std::string line;  // "$PMTK220,${interval_ms}"
  std::string ending = "\r\n";
  bool nmea_checksum = false;  // wrap as $<body>*<XX>
  // modbus_write
  std::string device;
  std::string table = "holding";    // holding | coil
  std::string address;              // "40" or "${reg}"
  std::vector<std::string> values;  // holding: one item per value ("${setpoint}", "${x:u32}", "0x10")
  bool verify = true;
  // modem_at
  std::string command;  // "AT+CFUN=${mode}" (no CR)
};

struct CommandActionConfig {
  std::string name;
  std::string kind;    // can_send | serial_write | modbus_write | modem_at
  std::string source;  // a sources[].name
  std::vector<CommandParamSpec> params;
  CommandTemplate tmpl;
  int timeout_ms = 5000;
  int rate_max = 0;  // max executions per rate_window_s (0 = unlimited)
  int rate_window_s = 60;
  std::vector<std::string> profiles;  // bess | homesync | dtg | generic (empty = all)
  std::vector<std::string> topics;    // MQTT filters it is accepted on (empty = all)
  int line = 0;
};

struct CommandHmacConfig {
  Secret key;  // key / key_file / key_env
  bool required = false;
  int window_s = 300;  // |now - timestamp| must be within this
};

struct CommandsConfig {
  bool enabled = false;  // default: true when the section is present
  int max_age_s = 300;
  int retention_h = 168;
  std::string ledger_path;           // default: <state_dir>/commands.db
  std::string synchronous = "full";  // ledger: full | normal
  int max_payload_bytes = 65536;
  int max_in_flight = 64;
  std::string generic_prefix = "gateway";     // {prefix}/{device_id}/command; "" = off
  std::map<std::string, std::string> topics;  // subscription / response topic overrides
  CommandHmacConfig hmac;
  std::vector<CommandActionConfig> actions;
};

}  // namespace tgw::config
