// The blocking half of a Modbus source: one worker thread per bus (a TCP
// endpoint or an RTU serial line) owns the libmodbus context and polls the
// bus's devices, each on its own interval, timeout, retries and backoff.
// Results leave through a callback (the source posts them into the loop).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "decode/modbus/plan.hpp"
#include "tgw/model/signal.hpp"

struct _modbus;

namespace tgw::sources::modbus {

struct DeviceSpec {
  std::string name;
  int unit_id = 1;
  std::vector<decode::modbus::Field> fields;  // fixed map (empty + sunspec = discover)
  bool sunspec = false;
  int max_gap = 0;
  std::chrono::milliseconds interval{5000};
  std::chrono::milliseconds timeout{500};
  int retries = 2;
  std::chrono::milliseconds backoff_max{60000};
};

struct BusSpec {
  bool rtu = false;
  std::string host;  // tcp
  int port = 502;
  std::string device;  // rtu
  int baud = 9600;
  char parity = 'N';
  int data_bits = 8;
  int stop_bits = 1;
  std::vector<DeviceSpec> devices;
};

// What one poll of one device produced.
struct PollReport {
  std::size_t device = 0;
  bool answered = false;          // at least one request got a valid reply
  bool complete = false;          // every request got a valid reply
  std::vector<std::pair<std::string, SignalValue>> values;  // field -> value
  std::vector<std::string> units;                            // parallel to values
  std::string error;              // last failure, plain words
  std::uint64_t requests = 0, timeouts = 0, exceptions = 0, crc_errors = 0, bad_replies = 0, decode_errors = 0;
};

struct BusReport {
  bool connected = false;
  std::string detail;
};

class ModbusPoller {
 public:
  using PollFn = std::function<void(PollReport)>;
  using BusFn = std::function<void(BusReport)>;

  ModbusPoller(BusSpec spec, PollFn on_poll, BusFn on_bus);
  ~ModbusPoller();
  ModbusPoller(const ModbusPoller&) = delete;
  ModbusPoller& operator=(const ModbusPoller&) = delete;

  // Runs until stop() (call from the worker thread).
  void run();
  // Any thread: ask run() to return (it does within one request timeout).
  void stop();

 private:
  struct DeviceState {
    std::chrono::steady_clock::time_point next_due;
    int failures = 0;  // consecutive failed polls
    std::vector<decode::modbus::ReadBlock> blocks;
    bool discovered = false;
  };

  bool connect();
  void disconnect();
  PollReport poll(std::size_t index);
  bool discover(std::size_t index, PollReport& report);
  // One request with retries; false if it never got a valid reply.
  bool readBlock(const decode::modbus::ReadBlock& b, const DeviceSpec& d, std::vector<std::uint16_t>& out,
                 PollReport& report, bool& fatal);
  bool waitUntil(std::chrono::steady_clock::time_point t);

  BusSpec spec_;
  PollFn on_poll_;
  BusFn on_bus_;
  _modbus* ctx_ = nullptr;
  bool connected_ = false;
  std::vector<DeviceState> state_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::chrono::milliseconds reconnect_{500};
};

}  // namespace tgw::sources::modbus
