#include "sources/modbus/modbus_poller.hpp"

#include <modbus/modbus.h>

#include <algorithm>
#include <cerrno>

#include <fmt/format.h>

#include "decode/modbus/sunspec.hpp"

namespace tgw::sources::modbus {

namespace dm = decode::modbus;
using Clock = std::chrono::steady_clock;

ModbusPoller::ModbusPoller(BusSpec spec, PollFn on_poll, BusFn on_bus, WriteFn on_write)
    : spec_(std::move(spec)), on_poll_(std::move(on_poll)), on_bus_(std::move(on_bus)), on_write_(std::move(on_write)) {
  state_.resize(spec_.devices.size());
  const auto now = Clock::now();
  for (std::size_t i = 0; i < spec_.devices.size(); ++i) {
    state_[i].next_due = now;
    if (!spec_.devices[i].sunspec) {
      state_[i].blocks = dm::planReads(spec_.devices[i].fields, spec_.devices[i].max_gap);
      state_[i].discovered = true;
    }
  }
}

ModbusPoller::~ModbusPoller() { disconnect(); }

void ModbusPoller::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
}

// Also returns early when a write is queued (the caller runs it first).
bool ModbusPoller::waitUntil(Clock::time_point t) {
  std::unique_lock lock(mutex_);
  if (t <= Clock::now()) return !stop_;  // due already: no condition-variable round trip
  cv_.wait_until(lock, t, [this] { return stop_ || !writes_.empty(); });
  return !stop_;
}

void ModbusPoller::disconnect() {
  if (ctx_ != nullptr) {
    modbus_close(ctx_);
    modbus_free(ctx_);
    ctx_ = nullptr;
  }
  connected_ = false;
}

bool ModbusPoller::connect() {
  disconnect();
  if (spec_.rtu) {
    ctx_ = modbus_new_rtu(spec_.device.c_str(), spec_.baud, spec_.parity, spec_.data_bits, spec_.stop_bits);
  } else {
    ctx_ = modbus_new_tcp(spec_.host.c_str(), spec_.port);
  }
  if (ctx_ == nullptr) {
    on_bus_({false, fmt::format("modbus: invalid bus settings: {}", modbus_strerror(errno))});
    return false;
  }
  if (modbus_connect(ctx_) != 0) {
    const int err = errno;
    std::string detail;
    if (spec_.rtu && (err == EACCES || err == EPERM)) {
      detail = fmt::format("modbus rtu {}: permission denied; add the service user to the 'dialout' group "
                           "(usermod -aG dialout <user>)",
                           spec_.device);
    } else if (spec_.rtu && (err == ENOENT || err == ENODEV || err == ENXIO)) {
      detail = fmt::format("modbus rtu {}: device not found; is the RS-485 adapter plugged in?", spec_.device);
    } else if (spec_.rtu) {
      detail = fmt::format("modbus rtu {}: {}", spec_.device, modbus_strerror(err));
    } else {
      detail = fmt::format("modbus tcp {}:{}: {}", spec_.host, spec_.port, modbus_strerror(err));
    }
    modbus_free(ctx_);
    ctx_ = nullptr;
    on_bus_({false, detail});
    return false;
  }
  connected_ = true;
  on_bus_({true, spec_.rtu ? fmt::format("rtu {} open", spec_.device)
                           : fmt::format("tcp {}:{} connected", spec_.host, spec_.port)});
  return true;
}

void ModbusPoller::run() {
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (stop_) return;
    }
    if (!connected_) {
      if (!connect()) {
        // Writes queued while the bus is down fail now rather than wait for it.
        const std::string down = spec_.rtu ? fmt::format("modbus rtu {} not open", spec_.device)
                                           : fmt::format("modbus tcp {}:{} not connected", spec_.host, spec_.port);
        runWrites(&down);
        if (!waitUntil(Clock::now() + reconnect_)) return;
        reconnect_ = std::min(std::chrono::milliseconds(30000), reconnect_ * 2);
        continue;
      }
      reconnect_ = std::chrono::milliseconds(500);
    }
    // Commands go before polling.
    runWrites();
    if (!connected_) continue;  // a write lost the connection
    if (state_.empty()) {
      if (!waitUntil(Clock::now() + std::chrono::hours(1))) return;
      continue;
    }
    // The device due first.
    std::size_t next = 0;
    for (std::size_t i = 1; i < state_.size(); ++i) {
      if (state_[i].next_due < state_[next].next_due) next = i;
    }
    if (!waitUntil(state_[next].next_due)) return;
    {
      std::lock_guard lock(mutex_);
      if (!writes_.empty()) continue;  // woken by a write: it goes first
    }
    PollReport r = poll(next);
    const DeviceSpec& d = spec_.devices[next];
    DeviceState& s = state_[next];
    const auto now = Clock::now();
    if (r.answered) {
      s.failures = 0;
      s.next_due += d.interval;
      if (s.next_due < now) s.next_due = now;  // fell behind: do not burst
    } else {
      ++s.failures;
      // Back off: interval * 2^failures, capped; a dead slave costs the others little.
      std::chrono::milliseconds delay = d.interval * (1L << std::min(s.failures, 16));
      delay = std::max(std::min(delay, d.backoff_max), d.interval);
      s.next_due = now + delay;
    }
    on_poll_(std::move(r));
  }
}

bool ModbusPoller::readBlock(const dm::ReadBlock& b, const DeviceSpec& d, std::vector<std::uint16_t>& out,
                             PollReport& report, bool& fatal) {
  out.assign(b.count, 0);
  std::vector<std::uint8_t> bits;
  for (int attempt = 0; attempt <= d.retries; ++attempt) {
    ++report.requests;
    int rc = -1;
    switch (b.table) {
      case dm::Table::kHolding: rc = modbus_read_registers(ctx_, b.start, b.count, out.data()); break;
      case dm::Table::kInput: rc = modbus_read_input_registers(ctx_, b.start, b.count, out.data()); break;
      case dm::Table::kCoil:
      case dm::Table::kDiscrete:
        bits.assign(b.count, 0);
        rc = b.table == dm::Table::kCoil ? modbus_read_bits(ctx_, b.start, b.count, bits.data())
                                         : modbus_read_input_bits(ctx_, b.start, b.count, bits.data());
        for (std::size_t i = 0; i < bits.size(); ++i) out[i] = bits[i];
        break;
    }
    if (rc == b.count) return true;
    const int err = errno;
    report.error = fmt::format("unit {} {} {}+{}: {}", d.unit_id, dm::tableName(b.table), b.start, b.count,
                               rc >= 0 ? "short reply" : modbus_strerror(err));
    if (rc >= 0) {
      ++report.bad_replies;
      continue;
    }
    if (err >= EMBXILFUN && err <= EMBXGTAR) {
      // The device answered with an exception: retrying will not help.
      ++report.exceptions;
      report.answered = true;
      return false;
    }
    if (err == ETIMEDOUT) {
      ++report.timeouts;
    } else if (err == EMBBADCRC) {
      ++report.crc_errors;
      modbus_flush(ctx_);
    } else if (err == EMBBADDATA || err == EMBMDATA || err == EMBBADEXC || err == EMBUNKEXC || err == EMBBADSLAVE) {
      ++report.bad_replies;
      modbus_flush(ctx_);
    } else {
      // Connection-level failure (reset, broken pipe, device gone): reconnect.
      fatal = true;
      return false;
    }
  }
  return false;
}

bool ModbusPoller::discover(std::size_t index, PollReport& report) {
  const DeviceSpec& d = spec_.devices[index];
  DeviceState& s = state_[index];
  bool fatal = false;
  auto read = [&](std::uint16_t address, std::uint16_t count) -> Expected<std::vector<std::uint16_t>> {
    std::vector<std::uint16_t> out;
    const bool ok = readBlock(dm::ReadBlock{dm::Table::kHolding, address, count}, d, out, report, fatal);
    if (ok) {
      report.answered = true;
      return out;
    }
    if (report.timeouts > 0 && !report.answered) return makeError(Errc::kTimeout, report.error);
    return makeError(Errc::kIo, report.error);
  };
  auto found = dm::sunspec::discover(read);
  if (fatal) disconnect();
  if (!found) {
    report.error = found.error().message;
    return false;
  }
  auto& dev = spec_.devices[index];
  dev.fields = std::move(found->fields);
  s.blocks = dm::planReads(dev.fields, d.max_gap);
  s.discovered = true;
  return true;
}

PollReport ModbusPoller::poll(std::size_t index) {
  PollReport report;
  report.device = index;
  const DeviceSpec& d = spec_.devices[index];
  DeviceState& s = state_[index];
  modbus_set_slave(ctx_, d.unit_id);
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(d.timeout).count();
  modbus_set_response_timeout(ctx_, static_cast<std::uint32_t>(us / 1000000), static_cast<std::uint32_t>(us % 1000000));
  if (!s.discovered) {
    if (!discover(index, report)) return report;
  }
  dm::RegisterImage image;
  std::vector<std::uint16_t> regs;
  std::size_t ok = 0;
  for (const auto& b : s.blocks) {
    bool fatal = false;
    if (readBlock(b, d, regs, report, fatal)) {
      image.put(b.table, b.start, regs);
      report.answered = true;
      ++ok;
    } else if (fatal) {
      disconnect();
      break;
    } else if (!report.answered && report.timeouts > 0 && report.exceptions == 0) {
      break;  // the first request timed out every time: do not wait on the rest
    }
  }
  report.complete = ok == s.blocks.size();
  for (const auto& f : d.fields) {
    auto v = dm::decodeField(f, image);
    if (v) {
      report.values.emplace_back(f.name, std::move(*v));
      report.units.push_back(f.unit);
    } else if (v.error().code == Errc::kParse) {
      ++report.decode_errors;
      report.error = v.error().message;
    }
  }
  return report;
}

}  // namespace tgw::sources::modbus
