#include "tgw/command/actuator.hpp"
#include "tgw/source/source.hpp"
#include "tgw/uplink/uplink.hpp"

namespace tgw {

std::string_view sourceStateName(SourceState s) noexcept {
  switch (s) {
    case SourceState::kStopped: return "stopped";
    case SourceState::kStarting: return "starting";
    case SourceState::kOnline: return "online";
    case SourceState::kOffline: return "offline";
    case SourceState::kError: return "error";
  }
  return "unknown";
}

std::string_view linkStateName(LinkState s) noexcept {
  switch (s) {
    case LinkState::kStopped: return "stopped";
    case LinkState::kDisconnected: return "disconnected";
    case LinkState::kConnecting: return "connecting";
    case LinkState::kConnected: return "connected";
    case LinkState::kStopping: return "stopping";
  }
  return "unknown";
}

std::string_view hardwareOpKind(const HardwareOp& op) noexcept {
  switch (op.index()) {
    case 0: return "can_send";
    case 1: return "serial_write";
    case 2: return "modbus_write";
    case 3: return "modem_at";
    default: return "unknown";
  }
}

}  // namespace tgw
