#include "uplink/paho/broker_url.hpp"

#include <arpa/inet.h>

#include <charconv>

#include <fmt/format.h>

namespace tgw::uplink {

namespace {
bool isIpv6(const std::string& host) { return host.find(':') != std::string::npos; }
std::string hostPort(const BrokerUrl& u) {
  return isIpv6(u.host) ? fmt::format("[{}]:{}", u.host, u.port) : fmt::format("{}:{}", u.host, u.port);
}
}  // namespace

std::string BrokerUrl::hostPort() const { return tgw::uplink::hostPort(*this); }

std::string BrokerUrl::pahoUri() const {
  if (websocket) return (tls ? "wss://" : "ws://") + hostPort() + path;
  return (tls ? "ssl://" : "tcp://") + hostPort();
}

std::string BrokerUrl::display() const {
  if (websocket) return (tls ? "wss://" : "ws://") + hostPort() + path.substr(0, path.find('?'));
  return (tls ? "mqtts://" : "mqtt://") + hostPort();
}

bool BrokerUrl::hostIsIp() const {
  unsigned char buf[16];
  return ::inet_pton(AF_INET, host.c_str(), buf) == 1 || ::inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

Expected<BrokerUrl> parseBrokerUrl(std::string_view url, bool force_tls) {
  BrokerUrl out;
  const auto sep = url.find("://");
  if (sep == std::string_view::npos) {
    return makeError(Errc::kConfig, fmt::format("uplink.url '{}' has no scheme (use mqtt://host:1883 or "
                                                "mqtts://host:8883)", url));
  }
  const std::string_view scheme = url.substr(0, sep);
  if (scheme == "mqtt" || scheme == "tcp") {
    out.tls = false;
  } else if (scheme == "mqtts" || scheme == "ssl") {
    out.tls = true;
  } else if (scheme == "ws" || scheme == "wss") {
    out.tls = scheme == "wss";
    out.websocket = true;
  } else {
    return makeError(Errc::kConfig, fmt::format("uplink.url '{}': unknown scheme '{}'", url, scheme));
  }
  out.tls = out.tls || force_tls;
  std::string_view rest = url.substr(sep + 3);
  if (const auto slash = rest.find_first_of("/?"); slash != std::string_view::npos) {
    if (out.websocket) out.path = std::string(rest.substr(slash));
    rest = rest.substr(0, slash);
  }
  if (out.websocket && (out.path.empty() || out.path.front() != '/')) out.path = "/mqtt" + out.path;
  if (out.websocket && out.path.find_first_of(" \r\n") != std::string::npos) {
    return makeError(Errc::kConfig, fmt::format("uplink.url '{}': the path must not contain spaces", url));
  }
  std::string_view port_text;
  if (rest.starts_with('[')) {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return makeError(Errc::kConfig, fmt::format("uplink.url '{}': unclosed [", url));
    out.host = std::string(rest.substr(1, close - 1));
    if (close + 1 < rest.size()) {
      if (rest[close + 1] != ':') return makeError(Errc::kConfig, fmt::format("uplink.url '{}': bad port", url));
      port_text = rest.substr(close + 2);
    }
  } else if (const auto colon = rest.rfind(':'); colon != std::string_view::npos) {
    out.host = std::string(rest.substr(0, colon));
    port_text = rest.substr(colon + 1);
  } else {
    out.host = std::string(rest);
  }
  if (out.host.empty()) return makeError(Errc::kConfig, fmt::format("uplink.url '{}' has no host", url));
  out.port = out.websocket ? (out.tls ? 443 : 80) : (out.tls ? 8883 : 1883);
  if (!port_text.empty()) {
    int port = 0;
    const auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || p != port_text.data() + port_text.size() || port < 1 || port > 65535) {
      return makeError(Errc::kConfig, fmt::format("uplink.url '{}': port '{}' is not 1..65535", url, port_text));
    }
    out.port = port;
  }
  return out;
}

}  // namespace tgw::uplink
