// One parser per config section; each reads its mapping with a MapReader and
// fills its part of the typed model. Cross-section checks live in validate.cpp.
#pragma once

#include "config/reader.hpp"
#include "tgw/config/config.hpp"

namespace tgw::config {

void parseGateway(MapReader r, GatewayConfig& out);
void parseLogging(MapReader r, LoggingConfig& out);
void parseUplink(MapReader r, UplinkConfig& out);
void parseQueue(MapReader r, QueueConfig& out);
void parseSources(Diagnostics& diag, const YAML::Node& node, std::vector<SourceConfig>& out);
void parseProfiles(MapReader r, ProfilesConfig& out);
void parseCommands(MapReader r, CommandsConfig& out);  // section_commands.cpp
void parseHomeAssistant(MapReader r, HomeAssistantConfig& out);  // section_homeassistant.cpp
// Checks that need several sections (signal names bound by profiles exist in
// the sources, topics and defaults derived from the gateway section ...).
void validate(Diagnostics& diag, const YAML::Node& root, Config& cfg);
// commands: actions name existing sources of a fitting type (section_commands.cpp).
void validateCommands(Diagnostics& diag, const YAML::Node& root, Config& cfg);

// Levels accepted by logging.level / --log-level.
inline const std::vector<std::string_view> kLogLevels = {
    "trace", "debug", "info", "warning", "error", "critical", "off"};

}  // namespace tgw::config
