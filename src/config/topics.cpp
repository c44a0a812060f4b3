#include "tgw/config/topics.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace tgw::config {

const std::vector<TopicKey>& topicKeys(std::string_view profile) {
  static const std::vector<TopicKey> kDtg = {
      {"telemetry", "glec/dtg/{device_id}/telemetry", {"device_id"}},
      {"inference", "glec/dtg/{device_id}/inference", {"device_id"}},
      {"alerts", "glec/dtg/{device_id}/alerts", {"device_id"}},
      {"status", "glec/dtg/{device_id}/status", {"device_id"}},
  };
  static const std::vector<TopicKey> kBess = {
      {"telemetry", "bess/telemetry", {"device_id"}},
      {"status_info", "bess/status/info", {"device_id"}},
      {"status_error", "bess/status/error", {"device_id"}},
      {"connection", "bess/status/connection", {"device_id"}},
      {"alarms", "bess/alarms/{severity}", {"device_id", "severity"}},
      {"logs", "bess/logs/{level}", {"device_id", "level"}},
  };
  static const std::vector<TopicKey> kHomesync = {
      {"telemetry",
       "homesync/{home_id}/nodes/{node_id}/telemetry/{metric}",
       {"home_id", "node_id", "metric"},
       {"node_id", "metric"}},
      {"online", "homesync/{home_id}/nodes/{node_id}/status/online", {"home_id", "node_id"}, {"node_id"}},
      {"relay", "homesync/{home_id}/nodes/{node_id}/status/relay", {"home_id", "node_id"}, {"node_id"}},
      {"firmware", "homesync/{home_id}/nodes/{node_id}/status/firmware", {"home_id", "node_id"}, {"node_id"}},
      {"rssi", "homesync/{home_id}/nodes/{node_id}/status/rssi", {"home_id", "node_id"}, {"node_id"}},
      {"response",
       "homesync/{home_id}/nodes/{node_id}/response/{kind}",
       {"home_id", "node_id", "kind"},
       {"node_id", "kind"}},
  };
  static const std::vector<TopicKey> kNone;
  if (profile == "dtg") return kDtg;
  if (profile == "bess") return kBess;
  if (profile == "homesync") return kHomesync;
  return kNone;
}

std::optional<std::string> checkTopicTemplate(std::string_view tmpl,
                                              const std::vector<std::string_view>& placeholders) {
  if (tmpl.empty()) return std::string("topic is empty");
  if (tmpl.size() > 65535) return fmt::format("topic is {} bytes long, MQTT allows 65535", tmpl.size());
  if (tmpl.find_first_of("+#") != std::string_view::npos) {
    return std::string("wildcards '+' and '#' are not allowed in a topic to publish to");
  }
  if (tmpl.find('\0') != std::string_view::npos) return std::string("topic contains a NUL character");
  if (tmpl.find("//") != std::string_view::npos || tmpl.front() == '/' || tmpl.back() == '/') {
    return std::string("topic has an empty level ('//', or '/' at the start or end)");
  }
  std::size_t pos = 0;
  while ((pos = tmpl.find('{', pos)) != std::string_view::npos) {
    const std::size_t end = tmpl.find('}', pos);
    if (end == std::string_view::npos) return std::string("unclosed '{' in topic template");
    const std::string_view name = tmpl.substr(pos + 1, end - pos - 1);
    if (std::find(placeholders.begin(), placeholders.end(), name) == placeholders.end()) {
      std::string allowed;
      for (auto p : placeholders) allowed += fmt::format("{}{{{}}}", allowed.empty() ? "" : ", ", p);
      return fmt::format("unknown placeholder {{{}}} (allowed here: {})", name,
                         allowed.empty() ? std::string("none") : allowed);
    }
    pos = end + 1;
  }
  return std::nullopt;
}

std::optional<std::string> checkRequiredPlaceholders(std::string_view tmpl,
                                                     const std::vector<std::string_view>& required) {
  for (auto name : required) {
    if (tmpl.find(fmt::format("{{{}}}", name)) == std::string_view::npos) {
      return fmt::format("the topic must contain {{{}}} (one topic per {})", name, name);
    }
  }
  return std::nullopt;
}

std::string expandTopic(std::string_view tmpl, const std::map<std::string, std::string, std::less<>>& values) {
  std::string out;
  out.reserve(tmpl.size() + 16);
  std::size_t pos = 0;
  while (pos < tmpl.size()) {
    const std::size_t open = tmpl.find('{', pos);
    if (open == std::string_view::npos) break;
    const std::size_t close = tmpl.find('}', open);
    if (close == std::string_view::npos) break;
    out.append(tmpl.substr(pos, open - pos));
    const auto it = values.find(tmpl.substr(open + 1, close - open - 1));
    if (it != values.end()) {
      out += it->second;
    } else {
      out.append(tmpl.substr(open, close - open + 1));
    }
    pos = close + 1;
  }
  out.append(tmpl.substr(pos));
  return out;
}

}  // namespace tgw::config
