#include "profiles/homesync_profile.hpp"

#include <algorithm>
#include <cmath>

#include "tgw/config/topics.hpp"

namespace tgw::profiles {
namespace {

constexpr const char* kReasons[] = {"unexpected_disconnect", "shutdown", "node_unresponsive"};

std::string_view payloadUnit(std::string_view unit) {
  return unit == "degC" ? std::string_view("°C") : unit;
}

}  // namespace

HomesyncProfile::HomesyncProfile(const config::HomesyncConfig& cfg) : cfg_(cfg) {
  for (const auto& n : cfg.nodes) {
    auto node = std::make_unique<Node>(n);
    const std::map<std::string, std::string, std::less<>> values = {{"home_id", cfg.home_id}, {"node_id", n.node_id}};
    for (const auto& key : config::topicKeys("homesync")) {
      const auto it = cfg.topics.find(std::string(key.key));
      const std::string tmpl = it != cfg.topics.end() ? it->second : std::string(key.default_value);
      node->topics[std::string(key.key)] = config::expandTopic(tmpl, values);
    }
    for (const auto& [field, b] : n.metrics) by_signal_[b.signal].push_back(node.get());
    for (const auto& [field, b] : n.status) by_signal_[b.signal].push_back(node.get());
    for (auto& [sig, list] : by_signal_) list.erase(std::unique(list.begin(), list.end()), list.end());
    snapshots_.push_back(snapshot(*node, 0));
    nodes_.push_back(std::move(node));
  }
}

int HomesyncProfile::quality(int q, std::int64_t age_ms) const {
  q = std::clamp(q, 0, 100);
  const double stale = cfg_.stale_after_s * 1000.0;
  const double offline = cfg_.offline_after_s * 1000.0;
  if (static_cast<double>(age_ms) <= stale) return q;
  const double factor = 1.0 - (static_cast<double>(age_ms) - stale) / (offline - stale);
  return std::clamp(static_cast<int>(std::lround(q * factor)), 0, 100);
}

void HomesyncProfile::onSignal(const Signal& signal, std::vector<Message>& /*out*/) {
  const auto it = by_signal_.find(signal.name);
  if (it == by_signal_.end()) return;
  const std::int64_t ts = signal.ts_ms > 0 ? signal.ts_ms : last_tick_ms_;
  for (Node* node : it->second) {
    // Any reading, even one we drop, shows the node answers.
    node->last_answer_ms = std::max(node->last_answer_ms, ts);
    node->metrics.apply(signal, last_tick_ms_, counters_);
    node->status.apply(signal, last_tick_ms_, counters_);
  }
}

HomesyncProfile::Snapshot HomesyncProfile::snapshot(const Node& node, std::int64_t now_ms) const {
  Snapshot s;
  s.topic = node.topics.at("online");
  s.offline = node.health == Health::kOffline;
  s.online_since_ms = node.online_since_ms;
  if (const FieldValue* up = node.status.fresh("uptime", now_ms, cfg_.offline_after_s * 1000LL)) {
    s.uptime_s = up->value + static_cast<double>(std::max<std::int64_t>(0, now_ms - up->ts_ms)) / 1000.0;
  }
  const FieldValue* fw = node.status.latest("firmware");
  s.firmware = fw != nullptr ? fw->text : node.cfg.firmware;
  return s;
}

Message HomesyncProfile::onlineMessage(const Snapshot& s, std::int64_t now_ms) const {
  Json p;
  p["online"] = true;
  p["timestamp"] = isoUtc(now_ms);
  const double uptime = s.uptime_s.value_or(
      s.online_since_ms > 0 ? static_cast<double>(std::max<std::int64_t>(0, now_ms - s.online_since_ms)) / 1000.0
                            : 0.0);
  p["uptime"] = number(std::floor(uptime), 0);
  p["firmware"] = s.firmware.empty() ? Json(nullptr) : Json(s.firmware);
  return makeMessage(MessageClass::kStatus, s.topic, p, 1, true, now_ms);
}

Message HomesyncProfile::offlineMessage(const std::string& topic, std::string_view reason, std::int64_t now_ms) const {
  Json p;
  p["online"] = false;
  p["reason"] = reason;
  return makeMessage(MessageClass::kStatus, topic, p, 1, true, now_ms);
}

void HomesyncProfile::tick(WallTime now, const GatewayStats& /*stats*/, std::vector<Message>& out) {
  const std::int64_t now_ms = toUnixMs(now);
  if (!started_ || now_ms < last_tick_ms_) {
    if (started_) {
      ++counters_["clock_backwards"];
      for (auto& node : nodes_) {
        node->metrics.clockStepped(now_ms);
        node->status.clockStepped(now_ms);
        node->last_answer_ms = std::min(node->last_answer_ms, now_ms);
        node->online_since_ms = std::min(node->online_since_ms, now_ms);
        node->rssi_sent_ms = std::min(node->rssi_sent_ms, now_ms);
      }
    } else {
      start_ms_ = now_ms;
    }
    started_ = true;
    next_telemetry_ms_ = now_ms + cfg_.telemetry_interval_ms;
  }
  last_tick_ms_ = now_ms;
  const bool telemetry_due = now_ms >= next_telemetry_ms_;
  if (telemetry_due) {
    next_telemetry_ms_ += cfg_.telemetry_interval_ms;
    if (next_telemetry_ms_ <= now_ms) next_telemetry_ms_ = now_ms + cfg_.telemetry_interval_ms;
  }
  std::vector<Snapshot> snaps;
  for (auto& np : nodes_) {
    Node& node = *np;
    const std::int64_t ref = node.last_answer_ms > 0 ? node.last_answer_ms : start_ms_;
    const bool answering = now_ms - ref <= cfg_.offline_after_s * 1000LL;
    if (!answering && node.health != Health::kOffline) {
      node.health = Health::kOffline;
      out.push_back(offlineMessage(node.topics.at("online"), "node_unresponsive", now_ms));
      ++counters_["node_offline"];
    } else if (answering && node.last_answer_ms > 0 && node.health != Health::kOnline) {
      node.health = Health::kOnline;
      node.online_since_ms = now_ms;
      out.push_back(onlineMessage(snapshot(node, now_ms), now_ms));
      ++counters_["node_online"];
    }
    if (node.health != Health::kOffline) {
      statusValues(node, now_ms, out);
      if (telemetry_due) telemetry(node, now_ms, out);
    }
    snaps.push_back(snapshot(node, now_ms));
  }
  std::lock_guard<std::mutex> lock(snapshot_mutex_);
  snapshots_ = std::move(snaps);
}

void HomesyncProfile::statusValues(Node& node, std::int64_t now_ms, std::vector<Message>& out) {
  if (const FieldValue* relay = node.status.latest("relay"); relay != nullptr && node.sent_relay != relay->value) {
    Json p;
    p["state"] = relay->value != 0.0 ? "on" : "off";
    p["timestamp"] = isoUtc(relay->ts_ms);
    out.push_back(makeMessage(MessageClass::kStatus, node.topics.at("relay"), p, 1, true, now_ms));
    node.sent_relay = relay->value;
  }
  const FieldValue* fw = node.status.latest("firmware");
  const std::string firmware = fw != nullptr ? fw->text : node.cfg.firmware;
  if (!firmware.empty() && firmware != node.sent_firmware) {
    Json p;
    p["version"] = firmware;
    p["timestamp"] = isoUtc(fw != nullptr ? fw->ts_ms : now_ms);
    out.push_back(makeMessage(MessageClass::kStatus, node.topics.at("firmware"), p, 1, true, now_ms));
    node.sent_firmware = firmware;
  }
  const FieldValue* rssi = node.status.fresh("rssi", now_ms, cfg_.stale_after_s * 1000LL);
  if (rssi != nullptr && (node.rssi_sent_ms == 0 || now_ms - node.rssi_sent_ms >= cfg_.status_interval_s * 1000LL ||
                          now_ms < node.rssi_sent_ms)) {
    Json p;
    p["value"] = number(rssi->value, 0);
    p["unit"] = "dBm";
    p["timestamp"] = isoUtc(rssi->ts_ms);
    out.push_back(makeMessage(MessageClass::kStatus, node.topics.at("rssi"), p, 1, true, now_ms));
    node.rssi_sent_ms = now_ms;
  }
}

void HomesyncProfile::telemetry(Node& node, std::int64_t now_ms, std::vector<Message>& out) {
  for (const auto& metric : node.metrics.boundFields()) {
    const FieldValue* v = node.metrics.latest(metric);
    if (v == nullptr) continue;
    const int q = quality(v->quality, std::max<std::int64_t>(0, now_ms - v->ts_ms));
    if (q <= 0) {
      ++counters_["telemetry_skipped_stale"];
      continue;
    }
    const profile::FieldSpec* spec = node.metrics.spec(metric);
    Json p;
    p["value"] = number(v->value, spec->decimals);
    p["unit"] = payloadUnit(spec->unit);
    p["timestamp"] = isoUtc(v->ts_ms);
    p["quality"] = q;
    const std::string topic = config::expandTopic(node.topics.at("telemetry"), {{"metric", metric}});
    out.push_back(makeMessage(MessageClass::kTelemetry, topic, p, 0, false, now_ms));
  }
}

std::vector<Message> HomesyncProfile::connectionStatus(bool online, std::string_view reason, WallTime now) const {
  const std::int64_t now_ms = toUnixMs(now);
  std::string_view why = "unexpected_disconnect";
  for (const char* r : kReasons) {
    if (reason == r) why = r;
  }
  std::vector<Message> out;
  std::lock_guard<std::mutex> lock(snapshot_mutex_);
  for (const auto& s : snapshots_) {
    if (!online) {
      out.push_back(offlineMessage(s.topic, why, now_ms));
    } else if (s.offline) {
      out.push_back(offlineMessage(s.topic, "node_unresponsive", now_ms));
    } else {
      out.push_back(onlineMessage(s, now_ms));
    }
  }
  return out;
}

}  // namespace tgw::profiles
