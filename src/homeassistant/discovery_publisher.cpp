#include "homeassistant/discovery_publisher.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/logging.hpp"
#include "tgw/version.hpp"

namespace tgw::homeassistant {

Expected<std::set<std::string>> loadPublished(const std::string& state_file) {
  std::error_code ec;
  if (!std::filesystem::exists(state_file, ec)) return std::set<std::string>{};
  std::ifstream in(state_file);
  if (!in) {
    return makeError(Errc::kIo, fmt::format("cannot read {}: {}", state_file, std::strerror(errno)));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    const auto j = nlohmann::json::parse(ss.str());
    std::set<std::string> topics;
    for (const auto& t : j.at("topics")) topics.insert(t.get<std::string>());
    return topics;
  } catch (const nlohmann::json::exception& e) {
    return makeError(Errc::kParse, fmt::format("{} is not a discovery state file: {}", state_file, e.what()));
  }
}

Expected<void> savePublished(const std::string& state_file, const std::set<std::string>& topics) {
  std::error_code ec;
  if (topics.empty()) {
    std::filesystem::remove(state_file, ec);
    if (ec) return makeError(Errc::kIo, fmt::format("cannot remove {}: {}", state_file, ec.message()));
    return {};
  }
  const std::string tmp = state_file + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << nlohmann::json{{"topics", topics}}.dump(1) << "\n";
    out.flush();
    if (!out) return makeError(Errc::kIo, fmt::format("cannot write {}: {}", tmp, std::strerror(errno)));
  }
  std::filesystem::rename(tmp, state_file, ec);
  if (ec) return makeError(Errc::kIo, fmt::format("cannot rename {} to {}: {}", tmp, state_file, ec.message()));
  return {};
}

bool DiscoveryPublisher::hasPublished(const std::string& state_file) {
  auto set = loadPublished(state_file);
  return !set || !set->empty();
}

DiscoveryPublisher::DiscoveryPublisher(std::string state_file, const Clock& clock, Emit emit)
    : state_file_(std::move(state_file)), clock_(clock), emit_(std::move(emit)) {}

Message DiscoveryPublisher::retained(const std::string& topic, std::string payload) const {
  Message m;
  m.cls = MessageClass::kStatus;
  m.topic = topic;
  m.payload = std::move(payload);
  m.qos = 1;
  m.retain = true;
  m.created_ms = toUnixMs(clock_.now());
  return m;
}

Expected<void> DiscoveryPublisher::apply(const config::HomeAssistantConfig& ha, const config::HomesyncConfig& homesync,
                                         bool connected) {
  auto log = log::get("homeassistant");
  enabled_ = ha.enabled && homesync.enabled;
  docs_ = enabled_ ? buildDiscovery(homesync, ha, tgw::kVersion) : std::vector<DiscoveryDoc>{};
  std::set<std::string> current;
  for (const auto& d : docs_) current.insert(d.topic);

  auto before = loadPublished(state_file_);
  if (!before) {
    log->warn("{}; entities published earlier cannot be removed automatically", before.error().message);
    before = std::set<std::string>{};
  }
  std::size_t removed = 0;
  for (const auto& topic : *before) {
    if (current.count(topic) != 0) continue;
    emit_(retained(topic, ""));  // an empty retained config removes the entity
    ++stats_.removals;
    ++removed;
  }
  if (removed > 0)
    log->info("Home Assistant: {} entit{} no longer configured removed", removed, removed == 1 ? "y" : "ies");
  if (auto ok = savePublished(state_file_, current); !ok) {
    log->warn("Home Assistant discovery: {}", ok.error().message);
  }
  if (enabled_) {
    log->info("Home Assistant discovery: {} entities under {}/, republished on '{}' = online", docs_.size(),
              ha.discovery_prefix, ha.status_topic);
  }
  if (connected) announce();
  return {};
}

void DiscoveryPublisher::onConnected() {
  announce();
}

void DiscoveryPublisher::onStatus(const std::string& payload) {
  if (payload != "online") return;
  ++stats_.births;
  log::get("homeassistant")->info("Home Assistant came online: publishing discovery again");
  announce();
}

void DiscoveryPublisher::announce() {
  if (!enabled_ || docs_.empty()) return;
  for (const auto& d : docs_) emit_(retained(d.topic, d.payload));
  stats_.documents += docs_.size();
  ++stats_.announcements;
}

}  // namespace tgw::homeassistant
