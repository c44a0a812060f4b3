#include "uplink/modem/modem_at.hpp"

#include <poll.h>
#include <unistd.h>

#include <fmt/format.h>

#include "uplink/modem/modem_mqtt_uplink.hpp"

namespace tgw::uplink {

std::string atQuote(std::string_view s) { return fmt::format("\"{}\"", s); }

bool atQuotable(std::string_view s) { return s.find_first_of("\"\r\n") == std::string_view::npos; }

bool parseSmsub(std::string_view line, std::string& topic, std::string& payload) {
  constexpr std::string_view kPrefix = "+SMSUB:";
  if (!line.starts_with(kPrefix)) return false;
  line.remove_prefix(kPrefix.size());
  while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
  if (line.size() < 5 || line.front() != '"') return false;
  const auto sep = line.find("\",\"", 1);
  if (sep == std::string_view::npos || line.back() != '"') return false;
  topic = std::string(line.substr(1, sep - 1));
  payload = std::string(line.substr(sep + 3, line.size() - sep - 4));
  return true;
}

Expected<void> ModemMqttUplink::checkLimits(const Message& m, const config::ModemUplinkConfig& cfg) {
  if (static_cast<int>(m.topic.size()) > cfg.max_topic) {
    return makeError(Errc::kInvalidArgument,
                     fmt::format("topic '{}...' is {} bytes; the SIM7080 MQTT client takes at most {}: kept for the "
                                 "IP link",
                                 m.topic.substr(0, 40), m.topic.size(), cfg.max_topic));
  }
  if (static_cast<int>(m.payload.size()) > cfg.max_payload) {
    return makeError(Errc::kInvalidArgument,
                     fmt::format("payload for {} is {} bytes; the SIM7080 MQTT client takes at most {}: kept for "
                                 "the IP link",
                                 m.topic, m.payload.size(), cfg.max_payload));
  }
  if (!atQuotable(m.topic)) {
    return makeError(Errc::kInvalidArgument,
                     fmt::format("topic '{}' contains a quote or line break, which AT+SMPUB cannot carry", m.topic));
  }
  return {};
}

Expected<void> exchangeDirect(const sources::serial::PortSettings& port, const std::vector<DirectCommand>& commands,
                              std::chrono::milliseconds timeout) {
  // A second descriptor of a port this process holds (and has locked).
  auto fd = sources::serial::openPort(port, /*lock=*/false);
  if (!fd) return tl::unexpected(fd.error());
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (const auto& cmd : commands) {
    const std::string line = cmd.command + "\r";
    if (::write(fd->get(), line.data(), line.size()) < 0) {
      return makeError(Errc::kIo, fmt::format("writing {} failed", cmd.command));
    }
    std::string got;
    bool payload_sent = cmd.payload.empty();
    bool done = false;
    while (!done) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return makeError(Errc::kTimeout, fmt::format("no answer to {}", cmd.command));
      pollfd p{fd->get(), POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[256];
      const auto n = ::read(fd->get(), buf, sizeof buf);
      if (n <= 0) continue;
      got.append(buf, static_cast<std::size_t>(n));
      if (!payload_sent && got.find('>') != std::string::npos) {
        if (::write(fd->get(), cmd.payload.data(), cmd.payload.size()) < 0) {
          return makeError(Errc::kIo, fmt::format("writing the payload of {} failed", cmd.command));
        }
        payload_sent = true;
        got.clear();
        continue;
      }
      if (got.find("ERROR") != std::string::npos) return makeError(Errc::kIo, fmt::format("{}: ERROR", cmd.command));
      done = payload_sent && got.find("OK\r\n") != std::string::npos;
    }
  }
  return {};
}

}  // namespace tgw::uplink
