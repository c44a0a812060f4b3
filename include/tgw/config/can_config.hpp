// CAN sources: socketcan (kernel AF_CAN), slcan (Lawicel ASCII adapters on a
// serial port) and candump (log replay), each with its decoders.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace tgw::config {

struct Obd2PollConfig {
  bool enabled = false;                                   // decoders: [obd2]
  std::vector<int> pids = {0x0C, 0x0D, 0x11, 0x2F, 0x05};  // mode 01 PIDs polled
  int interval_ms = 1000;                                 // one cycle over all PIDs
  int timeout_ms = 250;                                   // per request
  int stale_after = 3;                                    // misses until quality 0
};

struct CanSourceConfig {
  // socketcan
  std::string interface;       // e.g. "can0"
  bool fd = false;             // accept CAN FD frames
  bool kernel_filters = true;  // install id filters built from the decoders
  // slcan
  std::string port;            // e.g. "/dev/ttyACM0" or a /dev/serial/by-id/ link
  int baudrate = 115200;       // serial speed
  int bitrate = 500000;        // CAN bit rate, one of 10k 20k 50k 100k 125k 250k 500k 800k 1M
  // candump
  std::string file;             // candump -l / -L log
  std::string pace = "recorded";  // recorded | fast
  double speed = 1.0;           // with pace recorded: 2.0 = twice as fast
  bool loop = false;            // start again at the end of the file
  // decoders
  std::vector<std::string> dbc_files;
  bool dbc = false;      // DBC messages matched on the exact id
  bool j1939 = false;    // J1939: built-in DTG signals; DBC messages matched on PGN
  bool bms_can = false;  // Pylontech/SMA-style 0x351..0x35E
  Obd2PollConfig obd2;
  std::vector<std::string> signals;  // selection without the source prefix; empty = all
  // hardware sources: reopen after a failure with exponential backoff
  int reopen_min_ms = 1000;
  int reopen_max_ms = 30000;
};

struct SourceConfig;
bool isCanSourceType(const std::string& type);
// Names "<source>.<message>.<signal>" the source can produce (DBC files are
// read); nullopt if a DBC file cannot be read.
std::optional<std::vector<std::string>> canSignalCatalog(const SourceConfig& source);

}  // namespace tgw::config
