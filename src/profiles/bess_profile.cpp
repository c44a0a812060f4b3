#include "profiles/bess_profile.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cmath>

#include "tgw/config/topics.hpp"

namespace tgw::profiles {
namespace {

// Numeric severities of the BESS alarm API (seed firmware): 1 info, 2 warning, 4 critical.
int severityNumber(std::string_view s) {
  if (s == "critical") return 4;
  if (s == "warning") return 2;
  return 1;
}

std::int64_t seconds(std::int64_t ms) {
  return ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
}

std::string fmtNum(double v, int decimals) {
  return fmt::format("{:.{}f}", v, decimals);
}

}  // namespace

BessProfile::BessProfile(const config::BessConfig& cfg)
    : cfg_(cfg),
      fields_("bess", cfg.signals),
      soc_low_(cfg.rules.soc_low, false),
      cell_deviation_(cfg.rules.cell_voltage_deviation, true) {
  const std::map<std::string, std::string, std::less<>> values = {{"device_id", cfg.device_id}};
  for (const auto& key : config::topicKeys("bess")) {
    const auto it = cfg.topics.find(std::string(key.key));
    const std::string tmpl = it != cfg.topics.end() ? it->second : std::string(key.default_value);
    // {severity} / {level} stay for later expansion.
    topics_[std::string(key.key)] = config::expandTopic(tmpl, values);
  }
  log_sink_ = std::make_shared<BessLogSink>(cfg.device_id, topic("logs"), cfg.logs);
}

const std::string& BessProfile::topic(std::string_view key) const {
  static const std::string kEmpty;
  const auto it = topics_.find(key);
  return it == topics_.end() ? kEmpty : it->second;
}

std::map<std::string, std::uint64_t> BessProfile::counters() const {
  auto out = counters_;
  out["logs_forwarded"] = log_sink_->forwarded();
  out["logs_dropped_rate"] = log_sink_->droppedRate();
  out["logs_dropped_overflow"] = log_sink_->droppedOverflow();
  out["logs_dropped_reentrant"] = log_sink_->droppedReentrant();
  return out;
}

int BessProfile::moduleIdFor(const std::string& name) {
  if (const auto it = module_ids_.find(name); it != module_ids_.end()) return it->second;
  for (std::size_t i = 0; i < cfg_.module_temperatures.size(); ++i) {
    const std::string& pattern = cfg_.module_temperatures[i];
    if (!pattern.empty() && pattern.back() == '*') {
      const std::string_view prefix(pattern.data(), pattern.size() - 1);
      if (!name.starts_with(prefix)) continue;
      // module id: the first number after the prefix ("module3.temperature" -> 3).
      const std::string rest = name.substr(prefix.size());
      const auto d = std::find_if(rest.begin(), rest.end(), [](unsigned char c) { return std::isdigit(c); });
      int id = 0;
      if (d != rest.end()) {
        auto e = d;
        while (e != rest.end() && std::isdigit(static_cast<unsigned char>(*e)) && e - d < 6) ++e;
        id = std::stoi(std::string(d, e));
      } else {
        id = modules_.empty() ? 1 : modules_.rbegin()->first + 1;
      }
      if (module_ids_.size() < 4096) module_ids_[name] = id;
      return id;
    }
    if (pattern == name) {
      module_ids_[name] = static_cast<int>(i) + 1;
      return static_cast<int>(i) + 1;
    }
  }
  return 0;
}

void BessProfile::onSignal(const Signal& signal, std::vector<Message>& out) {
  if (!cfg_.module_temperatures.empty()) {
    if (const int id = moduleIdFor(signal.name); id > 0) onModuleTemp(signal, id, out);
  }
  for (std::string_view f : fields_.apply(signal, last_tick_ms_, counters_)) {
    const FieldValue* v = fields_.latest(f);
    bool backwards = false;
    if (f == "soc") {
      thresholdAlarm(soc_low_.update(v->value, v->ts_ms, &backwards), soc_low_.config(), 0, "SoC", "%", out);
    } else if (f == "cell_voltage_max" || f == "cell_voltage_min") {
      const FieldValue* hi = fields_.latest("cell_voltage_max");
      const FieldValue* lo = fields_.latest("cell_voltage_min");
      if (hi != nullptr && lo != nullptr && std::llabs(hi->ts_ms - lo->ts_ms) <= cfg_.stale_after_ms) {
        thresholdAlarm(cell_deviation_.update(hi->value - lo->value, v->ts_ms, &backwards), cell_deviation_.config(), 0,
                       "Cell voltage deviation", "V", out);
      }
    }
    if (backwards) ++counters_["rule_reset_time_backwards"];
  }
}

void BessProfile::onModuleTemp(const Signal& signal, int module_id, std::vector<Message>& out) {
  static const config::SignalBinding kPlain;
  std::string reason;
  const auto v = normalize(signal, *profile::findField("bess", "module_temperature"), kPlain, reason);
  if (!v) {
    ++counters_[reason];
    ++health_["module_temperatures"].bad_since_report;
    return;
  }
  auto [it, inserted] = modules_.try_emplace(module_id, Module{module_id,
                                                               {},
                                                               false,
                                                               ThresholdRule(cfg_.rules.module_temp_warning, true),
                                                               ThresholdRule(cfg_.rules.module_temp_critical, true)});
  Module& m = it->second;
  const std::int64_t ts = signal.ts_ms > 0 ? signal.ts_ms : last_tick_ms_;
  if (m.have && ts < m.value.ts_ms) {
    ++counters_["dropped_time_backwards"];
    return;
  }
  m.value.value = *v;
  m.value.ts_ms = ts;
  m.value.quality = signal.quality;
  m.have = true;
  last_module_ts_ = std::max(last_module_ts_, ts);
  const std::string what = fmt::format("Module {} temperature", module_id);
  thresholdAlarm(m.warning.update(*v, ts), m.warning.config(), module_id, what, "°C", out);
  thresholdAlarm(m.critical.update(*v, ts), m.critical.config(), module_id, what, "°C", out);
}

void BessProfile::thresholdAlarm(const std::optional<ThresholdEvent>& ev, const config::RuleConfig& rule, int module_id,
                                 const std::string& what, std::string_view unit, std::vector<Message>& out) {
  if (!ev) return;
  const int decimals = unit == "V" ? 3 : 1;
  const bool above = rule.clear <= rule.threshold;
  if (ev->raised) {
    alarm(rule.code,
          fmt::format("{} {} {} {} {} threshold {} {}", what, fmtNum(ev->value, decimals), unit,
                      above ? "above" : "below", rule.severity, fmtNum(rule.threshold, decimals), unit),
          rule.severity, module_id, ev->ts_ms, out);
  } else {
    alarm(rule.code,
          fmt::format("Cleared: {} {} {} back {} {} {}", what, fmtNum(ev->value, decimals), unit,
                      above ? "below" : "above", fmtNum(rule.clear, decimals), unit),
          "info", module_id, ev->ts_ms, out);
  }
}

void BessProfile::alarm(int code, const std::string& message, std::string_view severity, int module_id,
                        std::int64_t ts_ms, std::vector<Message>& out) {
  Json p;
  p["timestamp"] = seconds(ts_ms);
  p["device_id"] = cfg_.device_id;
  p["code"] = code;
  p["message"] = message;
  p["severity"] = severityNumber(severity);
  p["module_id"] = module_id;
  const std::string t = config::expandTopic(topic("alarms"), {{"severity", std::string(severity)}});
  out.push_back(makeMessage(MessageClass::kAlarm, t, p, 1, false, ts_ms));
  ++counters_["alarms"];
}

void BessProfile::reportStatus(int code, std::string_view message, bool is_error, WallTime now,
                               std::vector<Message>& out) {
  const std::int64_t now_ms = toUnixMs(now);
  Json p;
  p["timestamp"] = seconds(now_ms);
  p["device_id"] = cfg_.device_id;
  p["code"] = code;
  p["message"] = message;
  p["is_error"] = is_error;
  out.push_back(
      makeMessage(MessageClass::kStatus, topic(is_error ? "status_error" : "status_info"), p, 1, false, now_ms));
}

Json BessProfile::field(std::string_view name, std::int64_t now_ms) const {
  const FieldValue* v = fields_.fresh(name, now_ms, cfg_.stale_after_ms);
  const profile::FieldSpec* spec = fields_.spec(name);
  if (v == nullptr || spec == nullptr) return nullptr;
  return number(v->value, spec->decimals);
}

void BessProfile::tick(WallTime now, const GatewayStats& /*stats*/, std::vector<Message>& out) {
  const std::int64_t now_ms = toUnixMs(now);
  if (!started_ || now_ms < last_tick_ms_) {
    if (started_) {
      ++counters_["clock_backwards"];
      fields_.clockStepped(now_ms);
      for (auto& [id, m] : modules_) m.value.ts_ms = std::min(m.value.ts_ms, now_ms);
      last_module_ts_ = std::min(last_module_ts_, now_ms);
    } else {
      start_ms_ = now_ms;
    }
    started_ = true;
    next_telemetry_ms_ = now_ms + cfg_.telemetry_interval_ms;
  }
  last_tick_ms_ = now_ms;
  log_sink_->drain(out);
  checkHealth(now_ms, out);
  if (now_ms >= next_telemetry_ms_) {
    telemetry(now_ms, out);
    next_telemetry_ms_ += cfg_.telemetry_interval_ms;
    if (next_telemetry_ms_ <= now_ms) next_telemetry_ms_ = now_ms + cfg_.telemetry_interval_ms;
  }
}

void BessProfile::checkHealth(std::int64_t now_ms, std::vector<Message>& out) {
  for (const auto& [field, drops] : fields_.takeDrops()) health_[field].bad_since_report += drops;
  std::vector<std::pair<std::string, std::int64_t>> watched;  // name, last reading time
  for (const auto& f : fields_.boundFields()) {
    const FieldValue* v = fields_.latest(f);
    watched.emplace_back(f, v != nullptr ? v->ts_ms : start_ms_);
  }
  if (!cfg_.module_temperatures.empty()) {
    watched.emplace_back("module_temperatures", modules_.empty() ? start_ms_ : last_module_ts_);
  }
  const WallTime now = fromUnixMs(now_ms);
  for (const auto& [name, last] : watched) {
    Health& h = health_[name];
    const bool stale = now_ms - last > cfg_.stale_after_ms;
    if (stale && !h.stale) {
      const std::string source =
          name == "module_temperatures" ? std::string("module temperatures") : fields_.binding(name)->signal;
      reportStatus(kStatusNoReadings,
                   fmt::format("no reading of {} for {} s (signal {})", name, (now_ms - last) / 1000, source), true,
                   now, out);
      ++counters_["stale_fields"];
    } else if (!stale && h.stale) {
      reportStatus(kStatusReadingsResumed, fmt::format("readings of {} resumed", name), false, now, out);
    }
    h.stale = stale;
  }
  constexpr std::int64_t kBadReportEveryMs = 300000;
  for (auto& [name, h] : health_) {
    if (h.bad_since_report == 0) continue;
    if (h.last_bad_report_ms != 0 && now_ms - h.last_bad_report_ms < kBadReportEveryMs &&
        now_ms >= h.last_bad_report_ms) {
      continue;
    }
    reportStatus(
        kStatusBadReadings,
        fmt::format("{} reading(s) of {} dropped (not a number, out of range or wrong unit)", h.bad_since_report, name),
        true, now, out);
    h.bad_since_report = 0;
    h.last_bad_report_ms = now_ms;
  }
}

void BessProfile::telemetry(std::int64_t now_ms, std::vector<Message>& out) {
  Json electrical = Json::object();
  electrical["voltage"] = field("voltage", now_ms);
  electrical["current"] = field("current", now_ms);
  electrical["power_kw"] = field("power_kw", now_ms);
  if (electrical["power_kw"].is_null() && !electrical["voltage"].is_null() && !electrical["current"].is_null()) {
    const double v = fields_.latest("voltage")->value;
    const double i = fields_.latest("current")->value;
    electrical["power_kw"] = number(v * i / 1000.0, 3);
  }
  Json battery = Json::object();
  battery["soc"] = field("soc", now_ms);
  battery["soh"] = field("soh", now_ms);
  Json thermal = Json::object();
  double lo = 0;
  double hi = 0;
  double sum = 0;
  int n = 0;
  for (const auto& [id, m] : modules_) {
    if (!m.have || now_ms - m.value.ts_ms > cfg_.stale_after_ms) continue;
    lo = n == 0 ? m.value.value : std::min(lo, m.value.value);
    hi = n == 0 ? m.value.value : std::max(hi, m.value.value);
    sum += m.value.value;
    ++n;
  }
  thermal["max_temp"] = n > 0 ? number(hi, 2) : Json(nullptr);
  thermal["min_temp"] = n > 0 ? number(lo, 2) : Json(nullptr);
  thermal["avg_temp"] = n > 0 ? number(sum / n, 2) : Json(nullptr);
  bool any = n > 0;
  for (const Json* block : {&electrical, &battery}) {
    for (const auto& [k, v] : block->items()) any = any || !v.is_null();
  }
  if (!any) {
    ++counters_["telemetry_skipped_no_data"];
    return;
  }
  Json p;
  p["timestamp"] = seconds(now_ms);
  p["device_id"] = cfg_.device_id;
  p["electrical"] = std::move(electrical);
  p["battery"] = std::move(battery);
  p["thermal"] = std::move(thermal);
  out.push_back(makeMessage(MessageClass::kTelemetry, topic("telemetry"), p, 1, false, now_ms));
}

std::vector<Message> BessProfile::connectionStatus(bool online, std::string_view /*reason*/, WallTime now) const {
  const std::int64_t now_ms = toUnixMs(now);
  Json p;
  p["online"] = online;
  p["timestamp"] = seconds(now_ms);
  return {makeMessage(MessageClass::kStatus, topic("connection"), p, 1, true, now_ms)};
}

}  // namespace tgw::profiles
