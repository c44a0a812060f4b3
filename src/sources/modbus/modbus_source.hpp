// Modbus RTU / TCP source: one bus (TCP endpoint or RS-485 line) with its
// devices. Polling runs on a worker thread (libmodbus is blocking) that
// posts results into the loop.
//
// Signals: "<source>.<device>.<field>" for every field of the device's map,
// and "<source>.<device>.online" (bool) on every poll outcome change and
// with each successful poll; a device that stops answering goes offline
// (its polls back off up to backoff_max_ms) and back online when it answers.
#pragma once

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "sources/modbus/modbus_actuator.hpp"
#include "sources/modbus/modbus_poller.hpp"
#include "tgw/config/source_config.hpp"
#include "tgw/core/clock.hpp"
#include "tgw/source/source.hpp"

namespace tgw::sources {

class ModbusSource final : public Source {
 public:
  struct Counters {
    std::uint64_t polls = 0, failed_polls = 0, requests = 0, timeouts = 0, exceptions = 0, crc_errors = 0,
                  bad_replies = 0, decode_errors = 0;
  };
  struct DeviceStatus {
    std::string name;
    bool online = false;
    bool ever_polled = false;
    std::string last_error;
  };

  ModbusSource(const config::SourceConfig& cfg, const Clock& clock);
  ~ModbusSource() override;

  [[nodiscard]] std::string_view name() const override { return name_; }
  Expected<void> start(EventLoop& loop, SignalSink& sink) override;
  // Joins the worker: returns within one request timeout.
  void stop() override;
  [[nodiscard]] SourceStatus status() const override { return status_; }
  // modbus_write: register(s) / coil of a device of this bus, before its next poll, read back.
  Actuator* actuator() override { return &writer_; }
  [[nodiscard]] const Counters& counters() const { return counters_; }
  [[nodiscard]] const std::vector<DeviceStatus>& devices() const { return devices_; }

  // The bus description built from the config (also used by check-config).
  static Expected<modbus::BusSpec> busSpec(const config::SourceConfig& cfg);

 private:
  struct Shared {
    ModbusSource* owner = nullptr;  // loop thread only; null after stop()
  };
  void onPoll(modbus::PollReport r);
  void onBus(const modbus::BusReport& r);
  void updateState();

  std::string name_;
  config::SourceConfig cfg_;
  const Clock& clock_;
  SignalSink* sink_ = nullptr;
  std::shared_ptr<Shared> shared_;
  std::unique_ptr<modbus::ModbusPoller> poller_;
  std::thread worker_;
  SourceStatus status_;
  Counters counters_;
  std::vector<DeviceStatus> devices_;
  modbus::WriteActuator writer_;
  bool bus_up_ = false;
  std::string bus_detail_;
  std::int64_t last_warn_ms_ = 0;
};

}  // namespace tgw::sources
