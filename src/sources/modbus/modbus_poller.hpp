// The blocking half of a Modbus source: one worker thread per bus (a TCP
// endpoint or an RTU serial line) owns the libmodbus context and polls the
// bus's devices, each on its own interval, timeout, retries and backoff.
// Results leave through a callback (the source posts them into the loop).
// Writes (downlink modbus_write) are queued into the same thread and go
// before the next poll: function 06 / 16 / 05, then the same address(es)
// read back and compared.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "decode/modbus/plan.hpp"
#include "tgw/command/actuator.hpp"
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

// One queued write. `claim` is shared with the loop side: 0 = waiting, the
// worker sets 1 when it starts the write, the loop sets 2 when it gave up on
// it (timeout, stop) -- whoever changes it from 0 decides, so a write the
// loop answered as timed out is never started afterwards.
struct WriteRequest {
  static constexpr int kWaiting = 0, kStarted = 1, kAbandoned = 2;
  std::uint64_t id = 0;
  std::size_t device = 0;  // index into BusSpec::devices
  ModbusWriteOp op;
  std::chrono::steady_clock::time_point deadline;
  std::shared_ptr<std::atomic<int>> claim = std::make_shared<std::atomic<int>>(kWaiting);
};

struct WriteResult {
  std::uint64_t id = 0;
  Expected<OpOutcome> outcome;
};

class ModbusPoller {
 public:
  using PollFn = std::function<void(PollReport)>;
  using BusFn = std::function<void(BusReport)>;
  using WriteFn = std::function<void(WriteResult)>;

  ModbusPoller(BusSpec spec, PollFn on_poll, BusFn on_bus, WriteFn on_write = {});
  ~ModbusPoller();
  ModbusPoller(const ModbusPoller&) = delete;
  ModbusPoller& operator=(const ModbusPoller&) = delete;

  // Runs until stop() (call from the worker thread).
  void run();
  // Any thread: ask run() to return (it does within one request timeout).
  void stop();
  // Any thread: queue a write; it runs before the next poll and its result
  // leaves through `on_write` (not at all if it was abandoned or stopped).
  void submit(WriteRequest w);

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
  // Runs the queued writes (worker thread); `bus_down` fails them instead.
  void runWrites(const std::string* bus_down = nullptr);
  Expected<OpOutcome> write(const WriteRequest& w);

  BusSpec spec_;
  PollFn on_poll_;
  BusFn on_bus_;
  WriteFn on_write_;
  _modbus* ctx_ = nullptr;
  bool connected_ = false;
  std::vector<DeviceState> state_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::deque<WriteRequest> writes_;  // guarded by mutex_
  std::chrono::milliseconds reconnect_{500};
};

}  // namespace tgw::sources::modbus
