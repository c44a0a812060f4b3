#include "command/routes.hpp"

#include "tgw/config/topics.hpp"

namespace tgw::command {
namespace {

std::vector<std::string_view> split(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  for (;;) {
    const std::size_t slash = s.find('/', pos);
    out.push_back(s.substr(pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos));
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }
  return out;
}

}  // namespace

bool topicMatches(std::string_view filter, std::string_view topic, std::vector<std::string>* captures) {
  const auto f = split(filter);
  const auto t = split(topic);
  std::vector<std::string> caps;
  for (std::size_t i = 0; i < f.size(); ++i) {
    if (f[i] == "#") return true;
    if (i >= t.size()) return false;
    if (f[i] == "+") {
      if (t[i].empty()) return false;
      caps.emplace_back(t[i]);
      continue;
    }
    if (f[i] != t[i]) return false;
  }
  if (f.size() != t.size()) return false;
  if (captures != nullptr) *captures = std::move(caps);
  return true;
}

Routes::Routes(const config::Config& cfg) {
  const auto& c = cfg.commands;
  if (!c.enabled) return;
  const auto topic = [&](const char* key, std::string def, const std::string& device, const std::string& home = {}) {
    const auto it = c.topics.find(key);
    const std::string tmpl = it != c.topics.end() ? it->second : std::move(def);
    std::map<std::string, std::string, std::less<>> values{{"device_id", device}};
    if (!home.empty()) values["home_id"] = home;
    return config::expandTopic(tmpl, values);
  };
  const auto& p = cfg.profiles;
  if (p.bess.enabled) {
    const std::string dev = p.bess.device_id;
    const std::string resp = topic("bess_response", "bess/control/response", dev);
    specs_.push_back(
        {"bess", topic("bess_commands", "bess/control/commands", dev), resp, "", false, ResponseFormat::kStaged, 1});
    specs_.push_back(
        {"bess", topic("bess_config", "bess/control/config", dev), resp, "config", false, ResponseFormat::kStaged, 1});
    specs_.push_back(
        {"bess", topic("bess_reset", "bess/system/reset", dev), resp, "reset", false, ResponseFormat::kStaged, 2});
    specs_.push_back({"bess", topic("bess_firmware", "bess/firmware/update", dev), resp, "firmware_update", false,
                      ResponseFormat::kStaged, 2});
  }
  if (p.homesync.enabled) {
    std::string resp = "homesync/{home_id}/nodes/{node_id}/response/{kind}";
    if (auto it = p.homesync.topics.find("response"); it != p.homesync.topics.end()) resp = it->second;
    resp = config::expandTopic(resp, {{"home_id", p.homesync.home_id}, {"kind", "command"}});
    specs_.push_back({"homesync",
                      topic("homesync_commands", "homesync/{home_id}/nodes/+/command/+", "", p.homesync.home_id), resp,
                      "", true, ResponseFormat::kHomesync, 1});
  }
  if (p.dtg.enabled) {
    const std::string dev = p.dtg.device_id;
    specs_.push_back({"dtg", topic("dtg_commands", "glec/dtg/{device_id}/command", dev),
                      topic("dtg_response", "glec/dtg/{device_id}/response", dev), "", false, ResponseFormat::kStaged,
                      1});
  }
  if (!c.generic_prefix.empty()) {
    const std::string dev = cfg.gateway.device_id;
    specs_.push_back({"generic", topic("generic_commands", c.generic_prefix + "/{device_id}/command", dev),
                      topic("generic_response", c.generic_prefix + "/{device_id}/response", dev), "", false,
                      ResponseFormat::kStaged, 1});
  }
}

std::vector<TopicSubscription> Routes::subscriptions() const {
  std::vector<TopicSubscription> out;
  for (const auto& s : specs_) {
    bool dup = false;
    for (const auto& o : out) dup = dup || o.filter == s.filter;
    if (!dup) out.push_back({s.filter, s.qos});
  }
  return out;
}

std::optional<Route> Routes::match(std::string_view topic) const {
  for (const auto& s : specs_) {
    std::vector<std::string> caps;
    if (!topicMatches(s.filter, topic, &caps)) continue;
    Route r;
    r.spec = &s;
    std::map<std::string, std::string, std::less<>> values;
    if (s.action_from_topic && !caps.empty()) {
      r.topic_action = caps.back();
      if (caps.size() >= 2) values["node_id"] = caps.front();
    } else if (!caps.empty()) {
      values["node_id"] = caps.front();
    }
    if (values.count("node_id") == 0) {  // a filter naming the node: the level after "nodes"
      const auto levels = split(topic);
      for (std::size_t i = 0; i + 1 < levels.size(); ++i) {
        if (levels[i] == "nodes") values["node_id"] = std::string(levels[i + 1]);
      }
    }
    r.response_topic = config::expandTopic(s.response_topic, values);
    return r;
  }
  return std::nullopt;
}

}  // namespace tgw::command
