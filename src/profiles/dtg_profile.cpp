#include "profiles/dtg_profile.hpp"

#include <fmt/format.h>

#include <cmath>

#include "tgw/config/topics.hpp"

namespace tgw::profiles {
namespace {

std::map<std::string, std::string, std::less<>> expandTopics(const config::DtgConfig& cfg) {
  std::map<std::string, std::string, std::less<>> out;
  const std::map<std::string, std::string, std::less<>> values = {{"device_id", cfg.device_id}};
  for (const auto& key : config::topicKeys("dtg")) {
    const auto it = cfg.topics.find(std::string(key.key));
    const std::string tmpl = it != cfg.topics.end() ? it->second : std::string(key.default_value);
    out[std::string(key.key)] = config::expandTopic(tmpl, values);
  }
  return out;
}

}  // namespace

DtgProfile::DtgProfile(const config::DtgConfig& cfg)
    : cfg_(cfg),
      topics_(expandTopics(cfg)),
      fields_("dtg", cfg.signals),
      braking_(cfg.rules.harsh_braking),
      acceleration_(cfg.rules.harsh_acceleration),
      overspeed_(cfg.rules.overspeed, true),
      over_rev_(cfg.rules.over_rev, true) {}

const std::string& DtgProfile::topic(std::string_view key) const {
  static const std::string kEmpty;
  const auto it = topics_.find(key);
  return it == topics_.end() ? kEmpty : it->second;
}

Json DtgProfile::field(std::string_view name, std::int64_t now_ms) const {
  const FieldValue* v = fields_.fresh(name, now_ms, cfg_.stale_after_ms);
  const profile::FieldSpec* spec = fields_.spec(name);
  if (v == nullptr || spec == nullptr) return nullptr;
  return number(v->value, spec->decimals);
}

void DtgProfile::onSignal(const Signal& signal, std::vector<Message>& out) {
  for (std::string_view f : fields_.apply(signal, last_tick_ms_, counters_)) {
    const FieldValue* v = fields_.latest(f);
    bool backwards = false;
    if (f == "vehicle_speed") {
      rateAlert(braking_.update(v->value, v->ts_ms, &backwards), true, out);
      rateAlert(acceleration_.update(v->value, v->ts_ms, &backwards), false, out);
      if (auto ev = overspeed_.update(v->value, v->ts_ms, &backwards); ev && ev->raised) {
        alert("OVERSPEED", overspeed_.config().severity, ev->ts_ms,
              Json{{"speed", number(ev->value, 1)},
                   {"limit", number(overspeed_.config().threshold, 1)},
                   {"duration_s", number(static_cast<double>(ev->ts_ms - ev->since_ms) / 1000.0, 2)}},
              out);
      }
    } else if (f == "engine_rpm") {
      if (auto ev = over_rev_.update(v->value, v->ts_ms, &backwards); ev && ev->raised) {
        alert("OVER_REV", over_rev_.config().severity, ev->ts_ms,
              Json{{"engine_rpm", number(ev->value, 0)},
                   {"limit", number(over_rev_.config().threshold, 0)},
                   {"duration_s", number(static_cast<double>(ev->ts_ms - ev->since_ms) / 1000.0, 2)}},
              out);
      }
    }
    if (backwards) ++counters_["rule_reset_time_backwards"];
  }
}

void DtgProfile::rateAlert(const std::optional<RateEvent>& ev, bool braking, std::vector<Message>& out) {
  if (!ev) return;
  Json details;
  details[braking ? "deceleration" : "acceleration"] = number(ev->rate, 2);
  details["speed_before"] = number(ev->speed_before, 1);
  details["speed_after"] = number(ev->speed_after, 1);
  details["duration_s"] = number(static_cast<double>(ev->end_ms - ev->start_ms) / 1000.0, 2);
  const RateRule& rule = braking ? braking_ : acceleration_;
  alert(braking ? "HARSH_BRAKING" : "HARSH_ACCELERATION", rule.config().severity, ev->end_ms, std::move(details), out,
        ev->detected_ms);
}

void DtgProfile::alert(std::string_view type, const std::string& severity, std::int64_t ts_ms, Json details,
                       std::vector<Message>& out, std::int64_t created_ms) {
  Json location = Json::object();
  location["lat"] = field("gps_lat", ts_ms);
  location["lon"] = field("gps_lon", ts_ms);
  Json p;
  p["timestamp"] = ts_ms;
  p["device_id"] = cfg_.device_id;
  p["alert_type"] = type;
  p["severity"] = severity;
  p["location"] = std::move(location);
  p["details"] = std::move(details);
  out.push_back(makeMessage(MessageClass::kAlert, topic("alerts"), p, 2, false, created_ms > 0 ? created_ms : ts_ms));
  ++counters_["alerts"];
}

void DtgProfile::tick(WallTime now, const GatewayStats& stats, std::vector<Message>& out) {
  const std::int64_t now_ms = toUnixMs(now);
  if (!started_ || now_ms < last_tick_ms_) {
    if (started_) {
      ++counters_["clock_backwards"];  // re-anchor the schedules
      fields_.clockStepped(now_ms);
    }
    started_ = true;
    next_telemetry_ms_ = now_ms + cfg_.telemetry_interval_ms;
    next_status_ms_ = now_ms + static_cast<std::int64_t>(cfg_.status_interval_s) * 1000;
  }
  last_tick_ms_ = now_ms;

  // Speed readings that stopped mid-event finish the event now.
  rateAlert(braking_.flush(now_ms), true, out);
  rateAlert(acceleration_.flush(now_ms), false, out);

  if (now_ms >= next_telemetry_ms_) {
    telemetry(now_ms, out);
    // After a long stall (or a forward clock step) skip the missed slots.
    next_telemetry_ms_ += cfg_.telemetry_interval_ms;
    if (next_telemetry_ms_ <= now_ms) next_telemetry_ms_ = now_ms + cfg_.telemetry_interval_ms;
  }
  if (now_ms >= next_status_ms_) {
    status(now_ms, stats, out);
    const std::int64_t period = static_cast<std::int64_t>(cfg_.status_interval_s) * 1000;
    next_status_ms_ += period;
    if (next_status_ms_ <= now_ms) next_status_ms_ = now_ms + period;
  }
}

void DtgProfile::telemetry(std::int64_t now_ms, std::vector<Message>& out) {
  Json gps = Json::object();
  gps["lat"] = field("gps_lat", now_ms);
  gps["lon"] = field("gps_lon", now_ms);
  gps["speed"] = field("gps_speed", now_ms);
  Json p;
  p["timestamp"] = now_ms;
  p["device_id"] = cfg_.device_id;
  bool any = !gps["lat"].is_null() || !gps["lon"].is_null() || !gps["speed"].is_null();
  for (const char* f : {"vehicle_speed", "engine_rpm", "throttle_position", "fuel_level"}) {
    p[f] = field(f, now_ms);
    any = any || !p[f].is_null();
  }
  p["gps"] = std::move(gps);
  if (!any) {
    ++counters_["telemetry_skipped_no_data"];
    return;
  }
  out.push_back(makeMessage(MessageClass::kTelemetry, topic("telemetry"), p, 0, false, now_ms));
}

void DtgProfile::status(std::int64_t now_ms, const GatewayStats& stats, std::vector<Message>& out) {
  Json p;
  p["timestamp"] = now_ms;
  p["device_id"] = cfg_.device_id;
  p["status"] = "ONLINE";
  p["uptime_seconds"] = number(std::floor(stats.uptime_s), 0);
  p["battery_voltage"] = field("battery_voltage", now_ms);
  p["memory_usage_mb"] = number(stats.memory_usage_mb, 1);
  p["storage_available_mb"] = number(std::floor(stats.storage_available_mb), 0);
  p["can_messages_received"] = stats.can_messages_received;
  p["mqtt_messages_sent"] = stats.mqtt_messages_sent;
  p["offline_queue_size"] = stats.offline_queue_size;
  out.push_back(makeMessage(MessageClass::kStatus, topic("status"), p, 1, false, now_ms));
}

void DtgProfile::onConnected(WallTime now, const GatewayStats& stats, std::vector<Message>& out) {
  status(toUnixMs(now), stats, out);
}

std::vector<Message> DtgProfile::connectionStatus(bool online, std::string_view reason, WallTime now) const {
  const std::int64_t now_ms = toUnixMs(now);
  Json p;
  p["timestamp"] = now_ms;
  p["device_id"] = cfg_.device_id;
  p["status"] = online ? "ONLINE" : "OFFLINE";
  if (!online) p["reason"] = reason;
  return {makeMessage(MessageClass::kStatus, topic("status"), p, 1, true, now_ms)};
}

Expected<void> DtgProfile::submitInference(const InferenceResult& r, WallTime now, std::vector<Message>& out) {
  auto bad = [this](std::string what) {
    ++counters_["inference_rejected"];
    return makeError(Errc::kInvalidArgument, fmt::format("dtg inference rejected: {}", what));
  };
  if (r.behavior.empty() || r.behavior.size() > 64) return bad("behavior must be 1..64 characters");
  auto in = [](double v, double lo, double hi) { return std::isfinite(v) && v >= lo && v <= hi; };
  if (!in(r.confidence, 0, 1)) return bad(fmt::format("confidence {} is not in [0, 1]", r.confidence));
  if (!in(r.safety_score, 0, 100)) return bad(fmt::format("safety_score {} is not in [0, 100]", r.safety_score));
  if (!in(r.fuel_efficiency, 0, 1e6)) return bad(fmt::format("fuel_efficiency {} is not >= 0", r.fuel_efficiency));
  if (!in(r.latency_ms, 0, 1e9)) return bad(fmt::format("latency_ms {} is not >= 0", r.latency_ms));
  const std::int64_t now_ms = toUnixMs(now);
  const std::int64_t ts = r.timestamp_ms.value_or(now_ms);
  if (ts <= 0) return bad("timestamp must be Unix milliseconds > 0");
  Json p;
  p["timestamp"] = ts;
  p["device_id"] = cfg_.device_id;
  p["behavior"] = r.behavior;
  p["confidence"] = r.confidence;
  p["safety_score"] = r.safety_score == std::floor(r.safety_score) ? number(r.safety_score, 0) : Json(r.safety_score);
  p["fuel_efficiency"] = r.fuel_efficiency;
  p["latency_ms"] = r.latency_ms;
  out.push_back(makeMessage(MessageClass::kInference, topic("inference"), p, 1, false, now_ms));
  ++counters_["inferences"];
  return {};
}

Expected<void> DtgProfile::submitInference(std::string_view json, WallTime now, std::vector<Message>& out) {
  const Json j = Json::parse(json.begin(), json.end(), nullptr, false);
  auto bad = [this](std::string what) {
    ++counters_["inference_rejected"];
    return makeError(Errc::kInvalidArgument, fmt::format("dtg inference rejected: {}", what));
  };
  if (j.is_discarded()) return bad("not valid JSON");
  if (!j.is_object()) return bad("expected a JSON object");
  static const char* const kKeys[] = {"behavior",   "confidence", "safety_score", "fuel_efficiency",
                                      "latency_ms", "timestamp",  "device_id"};
  for (const auto& [key, value] : j.items()) {
    bool known = false;
    for (const char* k : kKeys) known = known || key == k;
    if (!known) {
      return bad(
          fmt::format("unknown key '{}' (expected behavior, confidence, safety_score, fuel_efficiency, "
                      "latency_ms, timestamp)",
                      key));
    }
  }
  InferenceResult r;
  if (!j.contains("behavior") || !j["behavior"].is_string()) return bad("'behavior' must be a string");
  r.behavior = j["behavior"].get<std::string>();
  for (const char* k : {"confidence", "safety_score", "fuel_efficiency", "latency_ms"}) {
    if (!j.contains(k) || !j[k].is_number()) return bad(fmt::format("'{}' must be a number", k));
  }
  r.confidence = j["confidence"].get<double>();
  r.safety_score = j["safety_score"].get<double>();
  r.fuel_efficiency = j["fuel_efficiency"].get<double>();
  r.latency_ms = j["latency_ms"].get<double>();
  if (j.contains("timestamp")) {
    if (!j["timestamp"].is_number_integer()) return bad("'timestamp' must be Unix milliseconds (an integer)");
    r.timestamp_ms = j["timestamp"].get<std::int64_t>();
  }
  if (j.contains("device_id") && (!j["device_id"].is_string() || j["device_id"].get<std::string>() != cfg_.device_id)) {
    return bad(fmt::format("'device_id' must be this gateway's ('{}') or left out", cfg_.device_id));
  }
  return submitInference(r, now, out);
}

}  // namespace tgw::profiles
