#include "uplink/paho/reason_codes.hpp"

#include <fmt/format.h>

namespace tgw::uplink {

std::string connackText(int code, bool v5) {
  if (!v5) {
    switch (code) {
      case 1: return "unacceptable protocol version";
      case 2: return "client identifier rejected";
      case 3: return "server unavailable";
      case 4: return "bad user name or password";
      case 5: return "not authorized";
      default: return {};
    }
  }
  switch (code) {
    case 0x80: return "unspecified error";
    case 0x81: return "malformed packet";
    case 0x82: return "protocol error";
    case 0x83: return "implementation specific error";
    case 0x84: return "unsupported protocol version";
    case 0x85: return "client identifier not valid";
    case 0x86: return "bad user name or password";
    case 0x87: return "not authorized";
    case 0x88: return "server unavailable";
    case 0x89: return "server busy";
    case 0x8A: return "banned";
    case 0x8C: return "bad authentication method";
    case 0x90: return "topic name invalid";
    case 0x95: return "packet too large";
    case 0x97: return "quota exceeded";
    case 0x99: return "payload format invalid";
    case 0x9A: return "retain not supported";
    case 0x9B: return "QoS not supported";
    case 0x9C: return "use another server";
    case 0x9D: return "server moved";
    case 0x9F: return "connection rate exceeded";
    default: return {};
  }
}

bool isBrokerRefusal(const ConnectFailure& f) {
  if (f.v5) return f.reason_code >= 0x80 || (f.paho_rc >= 0x80 && f.paho_rc <= 0xFF);
  return f.paho_rc >= 1 && f.paho_rc <= 5;
}

std::string describeConnectFailure(const ConnectFailure& in) {
  ConnectFailure f = in;
  // Paho C++ reports a v5 CONNACK refusal with the reason code as return code.
  if (f.v5 && f.reason_code == 0 && f.paho_rc >= 0x80 && f.paho_rc <= 0xFF) f.reason_code = f.paho_rc;
  if (f.v5 && f.reason_code >= 0x80) {
    const std::string text = connackText(f.reason_code, true);
    return fmt::format("broker refused: {} (reason 0x{:02X})", text.empty() ? "unknown reason" : text,
                       f.reason_code);
  }
  if (!f.v5 && f.paho_rc >= 1 && f.paho_rc <= 5) {
    return fmt::format("broker refused: {} (CONNACK code {})", connackText(f.paho_rc, false), f.paho_rc);
  }
  const std::string detail = f.paho_message.empty() ? std::string() : ": " + f.paho_message;
  switch (f.paho_rc) {
    case -1: return fmt::format("could not connect (TCP/TLS connect failed, or the broker closed the connection){}",
                                detail);
    case -3: return fmt::format("disconnected during connect{}", detail);
    case -6: return fmt::format("bad connect options{}", detail);
    case -11: return fmt::format("bad MQTT version for this client{}", detail);
    case -8: return fmt::format("SSL is not supported by the MQTT library{}", detail);
    default: return fmt::format("connect failed (Paho rc {}){}", f.paho_rc, detail);
  }
}

}  // namespace tgw::uplink
