// After a failed Paho WebSocket connect Paho only says "socket error". This
// repeats the HTTP upgrade request ourselves (plain or TLS, on the connector
// thread) to say why: the HTTP status line of a refusing server (403, 404,
// 502 ...) and, if the server's Date header is far from our clock, the skew
// (SigV4 signatures are only accepted within 5 minutes).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "tgw/config/uplink_config.hpp"
#include "tgw/core/error.hpp"

namespace tgw::uplink {

struct WsProbeOptions {
  std::string host;
  int port = 80;
  bool tls = false;
  std::string path;  // with query
  config::TlsConfig tls_cfg;
  std::string key_password;
  std::chrono::milliseconds timeout{10000};
  std::function<bool()> cancelled;
};

struct WsProbeResult {
  int status = 0;             // 101 = upgrade accepted
  std::string status_line;    // "HTTP/1.1 403 Forbidden"
  std::optional<std::chrono::system_clock::time_point> server_date;
  std::string body;           // first bytes of the body (error text)
};

Expected<WsProbeResult> probeWebSocket(const WsProbeOptions& options);

// True if a TCP connection to host:port succeeds within `timeout`.
bool tcpReachable(const std::string& host, int port, std::chrono::milliseconds timeout);

// "Fri, 22 Nov 2026 23:10:00 GMT" (RFC 7231 IMF-fixdate).
std::optional<std::chrono::system_clock::time_point> parseHttpDate(const std::string& text);

}  // namespace tgw::uplink
