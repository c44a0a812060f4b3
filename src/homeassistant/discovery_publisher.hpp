// Publishes the Home Assistant discovery documents (retained) after every
// connect and when Home Assistant announces itself ("online" on its status
// topic), and removes the entities of nodes that left the config (empty
// retained payload). What was published is remembered in a state file so
// removals survive restarts. Loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "homeassistant/discovery.hpp"
#include "tgw/config/homeassistant_config.hpp"
#include "tgw/config/profile_config.hpp"
#include "tgw/core/clock.hpp"
#include "tgw/core/error.hpp"
#include "tgw/model/message.hpp"

namespace tgw::homeassistant {

struct DiscoveryStats {
  std::uint64_t announcements = 0;  // times the full set was published
  std::uint64_t documents = 0;      // config messages handed out
  std::uint64_t removals = 0;       // empty retained messages handed out
  std::uint64_t births = 0;         // "online" seen on the status topic
};

class DiscoveryPublisher {
 public:
  using Emit = std::function<void(Message)>;

  // `state_file`: where the published set is kept (JSON), e.g.
  // <state_dir>/homeassistant-discovery.json.
  DiscoveryPublisher(std::string state_file, const Clock& clock, Emit emit);

  // Take a configuration (at start and on reload): entities remembered in the
  // state file but no longer configured (node or metric removed, prefix
  // changed, discovery disabled) get an empty retained message now; the
  // state file then holds the new set. With `connected`, the new set is
  // published at once (otherwise at the next onConnected()).
  Expected<void> apply(const config::HomeAssistantConfig& ha, const config::HomesyncConfig& homesync, bool connected);

  // The MQTT session is up (first connect and every reconnect).
  void onConnected();
  // A message on the status topic; "online" -> publish everything again.
  void onStatus(const std::string& payload);

  [[nodiscard]] const std::vector<DiscoveryDoc>& documents() const { return docs_; }
  [[nodiscard]] const DiscoveryStats& stats() const { return stats_; }

  // True if the state file lists published entities (discovery was on before).
  static bool hasPublished(const std::string& state_file);

 private:
  void announce();
  Message retained(const std::string& topic, std::string payload) const;

  std::string state_file_;
  const Clock& clock_;
  Emit emit_;
  bool enabled_ = false;
  std::vector<DiscoveryDoc> docs_;
  DiscoveryStats stats_;
};

// Read / write the published set (topics). A missing file is an empty set;
// a corrupt one is an error (and treated as empty by apply(), with a warning).
Expected<std::set<std::string>> loadPublished(const std::string& state_file);
Expected<void> savePublished(const std::string& state_file, const std::set<std::string>& topics);

}  // namespace tgw::homeassistant
