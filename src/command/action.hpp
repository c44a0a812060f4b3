// An action of the YAML table applied to one command: parameter validation
// (type, range, enum, length) and the template that builds the HardwareOp.
// Pure functions; nothing here touches hardware.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "tgw/command/actuator.hpp"
#include "tgw/config/command_config.hpp"

namespace tgw::command {

// Why a command was refused before reaching the hardware (the `reason`
// word of the response). Detail text goes next to it.
struct Refusal {
  std::string reason;  // wrong_type, out_of_range, missing_param, unknown_param, invalid_value ...
  std::string detail;
};

struct ParamValue {
  std::string text;   // substituted into text templates
  double number = 0;  // used by numeric encodings (before scale / offset)
  bool numeric = false;
};
using ParamValues = std::map<std::string, ParamValue, std::less<>>;

// Keys of a command object that are never parameters.
bool isReservedKey(std::string_view key, bool action_from_topic);

// The parameters of `body`: its `params` object plus its other non-reserved
// top-level keys; every one must be declared, every required one present.
tl::expected<ParamValues, Refusal> validateParams(const config::CommandActionConfig& action, const nlohmann::json& body,
                                                  bool action_from_topic);

// The hardware operation, or why the values do not fit the template (e.g. a
// scaled value beyond u8, a CAN id beyond 11 bits).
tl::expected<HardwareOp, Refusal> buildOp(const config::CommandActionConfig& action, const ParamValues& values);

// A representative op of the action's kind (for Actuator::supports at start).
HardwareOp probeOp(const config::CommandActionConfig& action);

// "$<body>*<XX>" with the NMEA XOR checksum of body (a leading '$' is dropped).
std::string nmeaSentence(std::string_view body);

}  // namespace tgw::command
