// AT helpers of the SIM7080 MQTT uplink: quoting, the +SMSUB URC, the
// modem's limits, and a direct (blocking) exchange on a second descriptor
// of the port for the goodbye at shutdown.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "sources/serial/serial_port.hpp"
#include "tgw/core/error.hpp"

namespace tgw::uplink {

// "value" -> "\"value\"". The SIM7080 has no escape for '"'.
std::string atQuote(std::string_view s);
// No quote and no line break: safe inside a quoted AT argument.
bool atQuotable(std::string_view s);

struct DirectCommand {
  std::string command;  // without CR
  std::string payload;  // written after the '>' prompt if not empty
};

// Opens `port` again, runs `commands` one by one (each must end in OK) within
// `timeout` in total. For stop(), when the event loop (and so the AtChannel)
// cannot run.
Expected<void> exchangeDirect(const sources::serial::PortSettings& port, const std::vector<DirectCommand>& commands,
                              std::chrono::milliseconds timeout);

}  // namespace tgw::uplink
