// homeassistant: — MQTT discovery for homesync nodes (docs/operations.md).
#include <fmt/format.h>

#include "config/sections.hpp"
#include "tgw/config/topics.hpp"

namespace tgw::config {

void parseHomeAssistant(MapReader r, HomeAssistantConfig& out) {
  out.enabled = r.boolean("enabled", out.enabled);
  out.discovery_prefix = r.str("discovery_prefix", out.discovery_prefix);
  if (auto problem = checkTopicTemplate(out.discovery_prefix, {})) {
    r.errorKey("discovery_prefix", fmt::format("'{}': {}", out.discovery_prefix, *problem));
  }
  out.status_topic = r.str("status_topic", out.status_topic);
  if (auto problem = checkTopicTemplate(out.status_topic, {})) {
    r.errorKey("status_topic", fmt::format("'{}': {}", out.status_topic, *problem));
  }
  out.relay_command_topic = r.str("relay_command_topic", out.relay_command_topic);
  if (auto problem = checkTopicTemplate(out.relay_command_topic, {"home_id", "node_id"})) {
    r.errorKey("relay_command_topic", fmt::format("'{}': {}", out.relay_command_topic, *problem));
  } else if (auto missing = checkRequiredPlaceholders(out.relay_command_topic, {"node_id"})) {
    r.errorKey("relay_command_topic", *missing);
  }
  r.finish();
}

}  // namespace tgw::config
