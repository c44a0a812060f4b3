// Golden tests: a recorded signal sequence (JSON lines) is played into a
// profile; the messages it makes are compared, exactly, with an expected file.
//
// Script lines:
//   {"signal": "sim.vehicle.speed", "value": 80.0, "unit": "km/h", "ts": <ms>, "quality": 100}
//     value may be a number, a bool, a string, or "NaN" / "inf" / "-inf"
//     (as {"number": "NaN"}) for the numbers JSON cannot carry
//   {"tick": <ms>, "stats": {"uptime_s": .., ...}}      Profile::tick
//   {"connected": <ms>, "stats": {...}}                   Profile::onConnected
//   {"connection": true|false, "reason": "...", "at": <ms>}   Profile::connectionStatus
//   {"inference": {...json...}, "at": <ms>}               DtgProfile::submitInference
// Expected lines: {"class", "topic", "qos", "retain", "created_ms", "payload": "<exact JSON text>"}
#pragma once

#include <string>
#include <vector>

#include "tgw/model/message.hpp"
#include "tgw/profile/profile.hpp"

namespace tgw::test {

std::vector<Message> playScript(Profile& profile, const std::string& script_path);
std::string formatMessages(const std::vector<Message>& messages);
// Compares with the expected file; with TGW_REGENERATE_GOLDEN=1 rewrites it.
void expectGolden(const std::vector<Message>& messages, const std::string& expected_path);

}  // namespace tgw::test
