// The typed configuration model: plain structs, loaded and validated in one
// place (src/config/). Every default here is also written, commented, in
// config/*.yaml and docs/configuration.md.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "tgw/config/command_config.hpp"
#include "tgw/config/homeassistant_config.hpp"
#include "tgw/config/profile_config.hpp"
#include "tgw/config/queue_config.hpp"
#include "tgw/config/source_config.hpp"
#include "tgw/config/uplink_config.hpp"

namespace tgw::config {

struct GatewayConfig {
  std::string device_id;                                // required
  std::string state_dir = "/var/lib/telemetry-gateway";
};

struct LoggingConfig {
  std::string level = "info";     // trace | debug | info | warning | error | critical | off
  std::string output = "auto";    // auto | console | journal
};

struct Config {
  std::string file;  // where it was loaded from
  GatewayConfig gateway;
  LoggingConfig logging;
  UplinkConfig uplink;
  QueueConfig queue;
  std::vector<SourceConfig> sources;
  ProfilesConfig profiles;
  CommandsConfig commands;  // downlink commands (docs/commands.md)
  HomeAssistantConfig homeassistant;  // MQTT discovery (docs/operations.md)
  // Normalized YAML of each top-level section ("uplink", "queue", ...), to
  // tell on reload what changed.
  std::map<std::string, std::string> section_fingerprints;
};

}  // namespace tgw::config
