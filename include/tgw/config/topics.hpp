// Topic templates: defaults (SPEC.md §4), validation and expansion.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tgw::config {

struct TopicKey {
  std::string_view key;                         // e.g. "telemetry"
  std::string_view default_value;               // e.g. "glec/dtg/{device_id}/telemetry"
  std::vector<std::string_view> placeholders;   // allowed {names}
  std::vector<std::string_view> required = {};  // {names} the template must contain
};

// The topic keys of a profile ("dtg", "bess", "homesync") with defaults.
const std::vector<TopicKey>& topicKeys(std::string_view profile);

// Problem with a template, or nullopt if valid: no '+' / '#', no empty
// levels, no unknown placeholder, no NUL, at most 65535 bytes.
std::optional<std::string> checkTopicTemplate(std::string_view tmpl, const std::vector<std::string_view>& placeholders);

// Problem with a template's required placeholders (e.g. homesync topics
// without {node_id} would mix all nodes on one topic), or nullopt.
std::optional<std::string> checkRequiredPlaceholders(std::string_view tmpl,
                                                     const std::vector<std::string_view>& required);

// Replace {name} with values; unknown placeholders are left as they are.
std::string expandTopic(std::string_view tmpl, const std::map<std::string, std::string, std::less<>>& values);

}  // namespace tgw::config
