// Helpers shared by the profiles: rounding, timestamps, JSON text, messages.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "tgw/model/message.hpp"

namespace tgw::profiles {

using Json = nlohmann::ordered_json;

// Counted events by reason (see Profile::counters()).
using Counters = std::map<std::string, std::uint64_t>;

// `value` rounded to `decimals`; 0 decimals gives a JSON integer.
Json number(double value, int decimals);
// "2025-02-06T14:30:00Z" (UTC, whole seconds).
std::string isoUtc(std::int64_t unix_ms);
// JSON text; invalid UTF-8 in strings is replaced, never thrown.
std::string dump(const Json& json);
Message makeMessage(MessageClass cls, std::string topic, const Json& payload, int qos, bool retain,
                    std::int64_t created_ms);

}  // namespace tgw::profiles
