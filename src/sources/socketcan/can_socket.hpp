// The narrow seam over the raw AF_CAN socket calls, so SocketCanSource can be
// tested where the kernel has no SocketCAN (a fake implements it in tests).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "decode/can/can_frame.hpp"
#include "tgw/core/error.hpp"

namespace tgw::sources::can {

// SocketCAN error-frame classes (linux/can/error.h), in CanFrame::id of error frames.
inline constexpr std::uint32_t kErrTxTimeout = 0x001;
inline constexpr std::uint32_t kErrLostArbitration = 0x002;
inline constexpr std::uint32_t kErrController = 0x004;
inline constexpr std::uint32_t kErrProtocol = 0x008;
inline constexpr std::uint32_t kErrTransceiver = 0x010;
inline constexpr std::uint32_t kErrNoAck = 0x020;
inline constexpr std::uint32_t kErrBusOff = 0x040;
inline constexpr std::uint32_t kErrBusError = 0x080;
inline constexpr std::uint32_t kErrRestarted = 0x100;

class CanSocket {
 public:
  virtual ~CanSocket() = default;
  // Raw CAN socket bound to `ifname`, non-blocking; error frames enabled;
  // `filters` installed in the kernel (empty = everything). Returns a pollable fd.
  virtual Expected<int> open(const std::string& ifname, bool fd_frames, const std::vector<decode::CanFilter>& filters) = 0;
  // One frame, nullopt when none is waiting. Errors (ENETDOWN, ENODEV ...) mean the interface went away.
  virtual Expected<std::optional<decode::CanFrame>> read(int fd) = 0;
  virtual Expected<void> write(int fd, const decode::CanFrame& frame) = 0;
  virtual void close(int fd) = 0;
};

// The real one (socket(PF_CAN, SOCK_RAW, CAN_RAW)).
std::unique_ptr<CanSocket> makeLinuxCanSocket();

}  // namespace tgw::sources::can
