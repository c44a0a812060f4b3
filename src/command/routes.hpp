// Which topics carry commands (per enabled profile) and how a command that
// arrived on one is answered.
//
//   profile   subscribed (defaults; commands.topics.<key> overrides)      response topic
//   bess      bess/control/commands, bess/control/config,                  bess/control/response
//             bess/system/reset, bess/firmware/update
//   homesync  homesync/{home_id}/nodes/+/command/+                         profiles.homesync.topics.response
//                                                                          with {node_id}, kind=command
//   dtg       glec/dtg/{device_id}/command                                 glec/dtg/{device_id}/response
//   generic   {generic_prefix}/{device_id}/command                         {generic_prefix}/{device_id}/response
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "command/response.hpp"
#include "tgw/config/config.hpp"
#include "tgw/uplink/uplink.hpp"

namespace tgw::command {

struct RouteSpec {
  std::string profile;             // bess | homesync | dtg | generic
  std::string filter;              // subscription filter (may hold '+')
  std::string response_topic;      // may hold {node_id} (homesync)
  std::string default_action;      // used when the command names none (bess reset / firmware / config)
  bool action_from_topic = false;  // homesync: the last '+' is the action name
  ResponseFormat format = ResponseFormat::kStaged;
  int qos = 1;
};

struct Route {
  const RouteSpec* spec = nullptr;
  std::string response_topic;  // expanded
  std::string topic_action;    // homesync: from the topic
};

class Routes {
 public:
  explicit Routes(const config::Config& cfg);
  [[nodiscard]] std::vector<TopicSubscription> subscriptions() const;
  [[nodiscard]] std::optional<Route> match(std::string_view topic) const;
  [[nodiscard]] const std::vector<RouteSpec>& specs() const { return specs_; }

 private:
  std::vector<RouteSpec> specs_;
};

// MQTT filter matching ('+' one level, '#' the rest); the '+' levels are
// appended to `captures` if given.
bool topicMatches(std::string_view filter, std::string_view topic, std::vector<std::string>* captures = nullptr);

}  // namespace tgw::command
