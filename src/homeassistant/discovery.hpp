// Home Assistant MQTT discovery documents for the homesync nodes (pure:
// config in, retained config messages out). docs/operations.md "Home Assistant".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tgw/config/homeassistant_config.hpp"
#include "tgw/config/profile_config.hpp"

namespace tgw::homeassistant {

struct DiscoveryDoc {
  std::string topic;    // <prefix>/<component>/<object_id>/config
  std::string payload;  // JSON
};

// One sensor per node metric (power, voltage, current, energy, power_factor,
// frequency, temperature) and per bound rssi, one switch per bound relay;
// every entity of a node shares one `device` block and the node's
// status/online topic as availability. Sorted by topic.
std::vector<DiscoveryDoc> buildDiscovery(const config::HomesyncConfig& homesync, const config::HomeAssistantConfig& ha,
                                         std::string_view version);

// The JSON command_template of relay switches: renders {"action": "on"|"off",
// "request_id": "ha-<ms>-<random>", "timestamp": "<ISO 8601>"}.
extern const char* const kRelayCommandTemplate;

}  // namespace tgw::homeassistant
