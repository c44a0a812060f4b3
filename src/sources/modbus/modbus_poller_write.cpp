// The write half of ModbusPoller: queued downlink writes, run on the worker
// thread before the next poll, verified by reading the address(es) back.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <modbus/modbus.h>

#include <algorithm>
#include <cerrno>

#include "sources/modbus/modbus_poller.hpp"

namespace tgw::sources::modbus {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

std::string describe(const ModbusWriteOp& op, const DeviceSpec& d) {
  if (op.kind == ModbusWriteOp::Kind::kCoil)
    return fmt::format("coil {} of '{}' (unit {})", op.address, d.name, d.unit_id);
  if (op.values.size() == 1) return fmt::format("register {} of '{}' (unit {})", op.address, d.name, d.unit_id);
  return fmt::format("registers {}..{} of '{}' (unit {})", op.address, op.address + op.values.size() - 1, d.name,
                     d.unit_id);
}

std::string valuesText(const ModbusWriteOp& op) {
  if (op.kind == ModbusWriteOp::Kind::kCoil) return op.coil ? "on" : "off";
  return fmt::format("{}", fmt::join(op.values, " "));
}

}  // namespace

void ModbusPoller::submit(WriteRequest w) {
  {
    std::lock_guard lock(mutex_);
    writes_.push_back(std::move(w));
  }
  cv_.notify_all();
}

void ModbusPoller::runWrites(const std::string* bus_down) {
  while (true) {
    WriteRequest w;
    {
      std::lock_guard lock(mutex_);
      if (stop_ || writes_.empty()) return;
      w = std::move(writes_.front());
      writes_.pop_front();
    }
    int expected = WriteRequest::kWaiting;
    if (!w.claim->compare_exchange_strong(expected, WriteRequest::kStarted)) continue;  // answered already
    Expected<OpOutcome> r = bus_down != nullptr ? makeError(Errc::kUnavailable, *bus_down)
                            : !connected_       ? makeError(Errc::kUnavailable, "modbus bus not connected")
                                                : write(w);
    if (on_write_) on_write_(WriteResult{w.id, std::move(r)});
  }
}

Expected<OpOutcome> ModbusPoller::write(const WriteRequest& w) {
  if (w.device >= spec_.devices.size()) return makeError(Errc::kInvalidArgument, "modbus write: no such device");
  const DeviceSpec& d = spec_.devices[w.device];
  const ModbusWriteOp& op = w.op;
  const std::string what = describe(op, d);
  const bool coil = op.kind == ModbusWriteOp::Kind::kCoil;
  // Each request waits at most the device timeout and never past the deadline.
  auto armTimeout = [&]() -> bool {
    const auto left = std::chrono::duration_cast<milliseconds>(w.deadline - Clock::now());
    if (left.count() <= 0) return false;
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::min(left, d.timeout)).count();
    modbus_set_response_timeout(ctx_, static_cast<std::uint32_t>(us / 1000000),
                                static_cast<std::uint32_t>(us % 1000000));
    return true;
  };
  auto failure = [&](const char* step) -> Expected<OpOutcome> {
    const int err = errno;
    if (err == ETIMEDOUT) {
      modbus_flush(ctx_);  // a late reply must not be read as the next one
      return makeError(Errc::kTimeout, fmt::format("modbus {} {}: no reply within the timeout", step, what));
    }
    if (err >= EMBXILFUN && err <= EMBXGTAR) {
      return makeError(Errc::kIo,
                       fmt::format("modbus {} {}: the device refused: {}", step, what, modbus_strerror(err)));
    }
    if (err == EMBBADCRC || err == EMBBADDATA || err == EMBMDATA || err == EMBBADEXC || err == EMBUNKEXC ||
        err == EMBBADSLAVE) {
      modbus_flush(ctx_);
      return makeError(Errc::kIo, fmt::format("modbus {} {}: bad reply: {}", step, what, modbus_strerror(err)));
    }
    disconnect();  // connection-level failure: the run loop reconnects
    return makeError(Errc::kIo, fmt::format("modbus {} {}: {}", step, what, modbus_strerror(err)));
  };
  if (!coil && (op.values.empty() || op.values.size() > MODBUS_MAX_WRITE_REGISTERS)) {
    return makeError(Errc::kInvalidArgument, fmt::format("modbus write {}: {} values (1..{})", what, op.values.size(),
                                                         MODBUS_MAX_WRITE_REGISTERS));
  }
  modbus_set_slave(ctx_, d.unit_id);
  if (!armTimeout()) {
    return makeError(Errc::kTimeout, fmt::format("modbus write {}: not started within the timeout (bus busy)", what));
  }
  const int n = coil ? 1 : static_cast<int>(op.values.size());
  int rc = -1;
  if (coil) {
    rc = modbus_write_bit(ctx_, op.address, op.coil ? 1 : 0);  // function 05
  } else if (n == 1) {
    rc = modbus_write_register(ctx_, op.address, op.values[0]);  // function 06
  } else {
    rc = modbus_write_registers(ctx_, op.address, n, op.values.data());  // function 16
  }
  if (rc < 0) return failure("write");
  if (!op.verify) return OpOutcome{fmt::format("wrote {} to {} (not read back)", valuesText(op), what)};
  if (!armTimeout()) {
    return makeError(Errc::kTimeout, fmt::format("modbus write {}: written, but no time left to read it back", what));
  }
  std::vector<std::uint16_t> back(static_cast<std::size_t>(n), 0);
  if (coil) {
    std::uint8_t bit = 0;
    rc = modbus_read_bits(ctx_, op.address, 1, &bit);
    back[0] = bit;
  } else {
    rc = modbus_read_registers(ctx_, op.address, n, back.data());
  }
  if (rc != n) {
    if (rc >= 0) return makeError(Errc::kIo, fmt::format("modbus read-back {}: short reply", what));
    return failure("read-back");
  }
  ModbusWriteOp got = op;
  if (coil) {
    got.coil = back[0] != 0;
  } else {
    got.values = back;
  }
  if ((coil && got.coil != op.coil) || (!coil && got.values != op.values)) {
    return makeError(Errc::kIo, fmt::format("{}: read back {}, wrote {}", what, valuesText(got), valuesText(op)));
  }
  return OpOutcome{fmt::format("wrote {} to {}, read back the same", valuesText(op), what)};
}

}  // namespace tgw::sources::modbus
