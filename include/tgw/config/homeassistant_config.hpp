// Home Assistant MQTT discovery (docs/operations.md "Home Assistant"):
// `homeassistant:` section, off by default.
#pragma once

#include <string>

namespace tgw::config {

struct HomeAssistantConfig {
  bool enabled = false;
  std::string discovery_prefix = "homeassistant";     // <prefix>/sensor/<object_id>/config
  std::string status_topic = "homeassistant/status";  // HA's birth/will: "online" -> republish
  // Where a relay switch sends its command (the homesync command topic the
  // command engine subscribes to); {home_id} and {node_id} are filled in.
  std::string relay_command_topic = "homesync/{home_id}/nodes/{node_id}/command/relay";
};

}  // namespace tgw::config
