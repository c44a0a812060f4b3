#include "homeassistant/discovery.hpp"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "homeassistant/slug.hpp"
#include "tgw/config/topics.hpp"
#include "tgw/profile/fields.hpp"

namespace tgw::homeassistant {
namespace {

using Json = nlohmann::json;

const char* const kAvailabilityTemplate = "{{ 'online' if value_json.online else 'offline' }}";

struct MetricKind {
  std::string_view metric;
  std::string_view device_class;  // "" = none
  std::string_view state_class;
  std::string_view name;
};

constexpr MetricKind kMetrics[] = {
    {"power", "power", "measurement", "Power"},
    {"voltage", "voltage", "measurement", "Voltage"},
    {"current", "current", "measurement", "Current"},
    {"energy", "energy", "total_increasing", "Energy"},
    {"power_factor", "power_factor", "measurement", "Power factor"},
    {"frequency", "frequency", "measurement", "Frequency"},
    {"temperature", "temperature", "measurement", "Temperature"},
};

std::string haUnit(std::string_view unit) {
  if (unit == "degC") return "°C";
  return std::string(unit);
}

std::string niceName(std::string_view metric) {
  std::string out(metric);
  std::replace(out.begin(), out.end(), '_', ' ');
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 'a' + 'A');
  return out;
}

// The homesync topic `key` of one node, as the profile publishes it.
std::string nodeTopic(const config::HomesyncConfig& hs, const std::string& node_id, std::string_view key) {
  std::string tmpl;
  for (const auto& k : config::topicKeys("homesync")) {
    if (k.key == key) tmpl = std::string(k.default_value);
  }
  if (const auto it = hs.topics.find(std::string(key)); it != hs.topics.end()) tmpl = it->second;
  return config::expandTopic(tmpl, {{"home_id", hs.home_id}, {"node_id", node_id}});
}

}  // namespace

const char* const kRelayCommandTemplate =
    R"({"action": "{{ value }}", "request_id": "ha-{{ (now().timestamp() * 1000) | int }}-{{ range(100000, 1000000) | random }}", "timestamp": "{{ utcnow().isoformat() }}"})";

std::vector<DiscoveryDoc> buildDiscovery(const config::HomesyncConfig& hs, const config::HomeAssistantConfig& ha,
                                         std::string_view version) {
  std::vector<std::string> node_ids;
  for (const auto& n : hs.nodes) node_ids.push_back(n.node_id);
  const std::vector<std::string> node_slugs = uniqueSlugs(node_ids);
  const std::string home = slugify(hs.home_id);
  const Json origin = {{"name", "telemetry-gateway"}, {"sw_version", std::string(version)}};

  std::vector<DiscoveryDoc> docs;
  for (std::size_t i = 0; i < hs.nodes.size(); ++i) {
    const auto& node = hs.nodes[i];
    const std::string base = home + "_" + node_slugs[i];
    Json device = {{"identifiers", Json::array({"tgw_" + base})},
                   {"name", node.node_id},
                   {"manufacturer", "telemetry-gateway"},
                   {"model", "homesync node"}};
    if (!node.firmware.empty()) device["sw_version"] = node.firmware;
    const Json availability =
        Json::array({{{"topic", nodeTopic(hs, node.node_id, "online")}, {"value_template", kAvailabilityTemplate}}});

    const auto entity = [&](const std::string& component, const std::string& key, Json doc) {
      const std::string object_id = base + "_" + key;
      doc["unique_id"] = "tgw_" + object_id;
      doc["object_id"] = object_id;
      doc["availability"] = availability;
      doc["device"] = device;
      doc["origin"] = origin;
      docs.push_back({ha.discovery_prefix + "/" + component + "/" + object_id + "/config", doc.dump()});
    };

    const std::string telemetry = nodeTopic(hs, node.node_id, "telemetry");
    for (const auto& [metric, binding] : node.metrics) {
      (void)binding;
      Json doc;
      const MetricKind* kind = nullptr;
      for (const auto& k : kMetrics) {
        if (k.metric == metric) kind = &k;
      }
      doc["name"] = kind != nullptr ? std::string(kind->name) : niceName(metric);
      doc["state_topic"] = config::expandTopic(telemetry, {{"metric", metric}});
      doc["value_template"] = "{{ value_json.value }}";
      if (const auto* spec = profile::findField("homesync", metric); spec != nullptr && !spec->unit.empty()) {
        doc["unit_of_measurement"] = haUnit(spec->unit);
      }
      if (kind != nullptr && !kind->device_class.empty()) doc["device_class"] = kind->device_class;
      doc["state_class"] = kind != nullptr ? kind->state_class : std::string_view("measurement");
      entity("sensor", slugify(metric), std::move(doc));
    }
    if (node.status.count("rssi") != 0) {
      Json doc = {{"name", "Signal strength"},
                  {"state_topic", nodeTopic(hs, node.node_id, "rssi")},
                  {"value_template", "{{ value_json.value }}"},
                  {"unit_of_measurement", "dBm"},
                  {"device_class", "signal_strength"},
                  {"state_class", "measurement"},
                  {"entity_category", "diagnostic"}};
      entity("sensor", "rssi", std::move(doc));
    }
    if (node.status.count("relay") != 0) {
      Json doc = {{"name", "Relay"},
                  {"state_topic", nodeTopic(hs, node.node_id, "relay")},
                  {"value_template", "{{ value_json.state }}"},
                  {"state_on", "on"},
                  {"state_off", "off"},
                  {"command_topic",
                   config::expandTopic(ha.relay_command_topic, {{"home_id", hs.home_id}, {"node_id", node.node_id}})},
                  {"command_template", kRelayCommandTemplate},
                  {"payload_on", "on"},
                  {"payload_off", "off"},
                  {"qos", 1},
                  {"retain", false}};
      entity("switch", "relay", std::move(doc));
    }
  }
  std::sort(docs.begin(), docs.end(), [](const DiscoveryDoc& a, const DiscoveryDoc& b) { return a.topic < b.topic; });
  return docs;
}

}  // namespace tgw::homeassistant
