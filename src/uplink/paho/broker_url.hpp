// The broker URL of uplink.url, split and turned into the URI Paho expects.
#pragma once

#include <string>
#include <string_view>

#include "tgw/core/error.hpp"

namespace tgw::uplink {

struct BrokerUrl {
  std::string host;  // without IPv6 brackets
  int port = 1883;
  bool tls = false;
  bool websocket = false;
  std::string path;  // WebSocket only: "/mqtt" (may carry a query)
  [[nodiscard]] std::string pahoUri() const;   // tcp://, ssl://, ws:// or wss://host:port[/path]
  // mqtt://host:port, mqtts://host:port, ws://host:port/path, wss://... (without any query: no signatures in logs)
  [[nodiscard]] std::string display() const;
  [[nodiscard]] std::string hostPort() const;  // host:port ([v6]:port)
  [[nodiscard]] bool hostIsIp() const;
};

// Accepts mqtt://, tcp://, mqtts://, ssl:// (port optional: 1883 / 8883).
// ws:// (80) and wss:// (443) with a path (default /mqtt).
// `force_tls` (uplink.tls.enabled) turns a plain URL into TLS.
Expected<BrokerUrl> parseBrokerUrl(std::string_view url, bool force_tls);

}  // namespace tgw::uplink
