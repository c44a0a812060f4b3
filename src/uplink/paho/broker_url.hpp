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
  [[nodiscard]] std::string pahoUri() const;   // tcp://host:port or ssl://host:port
  [[nodiscard]] std::string display() const;   // mqtt://host:port or mqtts://host:port
  [[nodiscard]] bool hostIsIp() const;
};

// Accepts mqtt://, tcp://, mqtts://, ssl:// (port optional: 1883 / 8883).
// `force_tls` (uplink.tls.enabled) turns a plain URL into TLS. ws:// and
// wss:// are rejected here (WebSocket transport is not implemented yet).
Expected<BrokerUrl> parseBrokerUrl(std::string_view url, bool force_tls);

}  // namespace tgw::uplink
