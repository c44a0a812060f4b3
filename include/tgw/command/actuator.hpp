// The seam between the downlink command engine (src/command/) and the
// hardware. The engine validates a command against the YAML action table,
// builds one fully typed HardwareOp from the action's template and hands it
// to the Actuator of the named source. Actuators never see unvalidated input.
//
// Threading: execute() is called on the loop thread; `done` is called exactly
// once, on the loop thread (post from worker threads), also on timeout,
// cancellation or stop(). Operations on one port are serialized by the
// actuator and go before that port's polling.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tgw/core/error.hpp"

namespace tgw {

// Send one classic CAN frame (socketcan or slcan source).
struct CanSendOp {
  std::uint32_t id = 0;
  bool extended = false;
  std::vector<std::uint8_t> data;  // 0..8 bytes
};

// Write bytes to a serial port owned by a source (e.g. an NMEA receiver's
// configuration sentence). `bytes` is written as is (line ending included).
struct SerialWriteOp {
  std::string bytes;
};

// Write holding register(s) (function 06/16) or one coil (05) on a Modbus
// device of a modbus source, then read the same address(es) back; success
// only if the read-back equals what was written (when verify is true).
struct ModbusWriteOp {
  enum class Kind : std::uint8_t { kRegisters, kCoil };
  std::string device;  // device name within the source (config `devices[].name`)
  Kind kind = Kind::kRegisters;
  std::uint16_t address = 0;
  std::vector<std::uint16_t> values;  // kRegisters: 1 = function 06, >1 = function 16
  bool coil = false;                  // kCoil
  bool verify = true;
};

// Send one AT command (already checked against the action's allow-list) to
// the modem of a modem source; success on OK, error on ERROR/+CME ERROR.
struct ModemAtOp {
  std::string command;  // e.g. "AT+CFUN=1,1" (no CR)
};

using HardwareOp = std::variant<CanSendOp, SerialWriteOp, ModbusWriteOp, ModemAtOp>;
std::string_view hardwareOpKind(const HardwareOp& op) noexcept;  // "can_send", ...

// What the hardware answered. `detail` is shown in the response's result /
// reason (e.g. the AT reply lines, "read back 230, wrote 231").
struct OpOutcome {
  std::string detail;
};

class Actuator {
 public:
  using Done = std::function<void(Expected<OpOutcome>)>;
  virtual ~Actuator() = default;
  // Which op kinds this source can carry out (for config validation).
  [[nodiscard]] virtual bool supports(const HardwareOp& op) const = 0;
  // Loop thread. Start `op`; it must finish (or fail with Errc::kTimeout)
  // within `timeout`. Errors: kTimeout, kUnavailable (port closed / source
  // offline), kInvalidArgument (op not possible here, e.g. unknown device),
  // kIo (hardware said no, read-back mismatch).
  virtual void execute(HardwareOp op, std::chrono::milliseconds timeout, Done done) = 0;
};

}  // namespace tgw
