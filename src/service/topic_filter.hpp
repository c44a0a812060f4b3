// MQTT topic filters ('+' one level, '#' the rest) matched against topic
// names, as a broker would (MQTT 3.1.1 §4.7). Used by `tail --topic` and to
// route subscribed messages.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tgw::service {

// Problem with a filter, or nullopt if valid: not empty, '#' only as the
// whole last level, '+' only as a whole level, no NUL.
std::optional<std::string> checkTopicFilter(std::string_view filter);

// True if `topic` matches `filter` (a valid filter). Topics starting with
// '$' are not matched by a leading wildcard.
bool topicMatches(std::string_view filter, std::string_view topic);

}  // namespace tgw::service
