#include "service/status_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>

#include "service/status_line.hpp"

namespace tgw::service {
namespace {

using Json = nlohmann::json;

std::int64_t ageOf(std::int64_t then_ms, std::int64_t now_ms) {
  return then_ms > 0 ? std::max<std::int64_t>(0, now_ms - then_ms) : -1;
}

// Local wall-clock time of day, "22:41:07" (the gateway's time zone).
std::string clockTime(std::int64_t ms, bool millis = false) {
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::localtime_r(&t, &tm);
  std::string out = fmt::format("{:02}:{:02}:{:02}", tm.tm_hour, tm.tm_min, tm.tm_sec);
  if (millis) out += fmt::format(".{:03}", ms % 1000);
  return out;
}

std::string str(const Json& j, const char* key, std::string def = {}) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : def;
}

std::int64_t num(const Json& j, const char* key, std::int64_t def = 0) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<std::int64_t>() : def;
}

const Json& obj(const Json& j, const char* key) {
  static const Json kEmpty = Json::object();
  const auto it = j.find(key);
  return it != j.end() && it->is_object() ? *it : kEmpty;
}

}  // namespace

std::string humanBytes(std::uint64_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  const double b = static_cast<double>(bytes);
  if (bytes < 1024ULL * 1024) return fmt::format("{:.1f} KiB", b / 1024);
  if (bytes < 1024ULL * 1024 * 1024) return fmt::format("{:.1f} MiB", b / (1024.0 * 1024));
  return fmt::format("{:.1f} GiB", b / (1024.0 * 1024 * 1024));
}

std::string abbreviate(std::string_view payload, std::size_t max_bytes) {
  std::size_t cut = std::min(payload.size(), max_bytes);
  // Do not split a UTF-8 sequence: back up over continuation bytes.
  if (cut < payload.size()) {
    while (cut > 0 && (static_cast<unsigned char>(payload[cut]) & 0xC0U) == 0x80U) --cut;
  }
  std::string out(payload.substr(0, cut));
  for (auto& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';
  }
  if (cut < payload.size()) out += "…";
  return out;
}

Json statusJson(const DaemonSnapshot& s, const StatusExtras& x) {
  Json j;
  j["version"] = x.version;
  j["time_ms"] = x.now_ms;
  j["uptime_ms"] = x.uptime_ms;
  j["uplink"] = {{"state", s.connection_state},
                 {"connected", s.connected},
                 {"broker", s.broker},
                 {"published", s.published},
                 {"acked", s.acked},
                 {"last_ack_ms", s.last_ack_ms},
                 {"last_ack_age_ms", ageOf(s.last_ack_ms, x.now_ms)},
                 {"last_error", s.last_error}};
  Json drops = Json::object();
  for (const auto& [reason, n] : s.drops_by_reason) drops[reason] = n;
  j["queue"] = {{"depth", s.queue_depth},
                {"bytes", s.queue_bytes},
                {"oldest_age_ms", s.oldest_age_ms},
                {"dropped", s.dropped},
                {"drops", drops}};
  Json sources = Json::array();
  for (const auto& src : s.sources) {
    const auto since = x.source_since_ms.find(src.name);
    const std::int64_t since_ms = since != x.source_since_ms.end() ? since->second : 0;
    sources.push_back({{"name", src.name},
                       {"type", src.type},
                       {"state", src.state},
                       {"since_ms", since_ms},
                       {"since_age_ms", ageOf(since_ms, x.now_ms)},
                       {"detail", src.detail},
                       {"readings", src.readings},
                       {"errors", src.errors},
                       {"last_reading_ms", src.last_reading_ms},
                       {"last_reading_age_ms", ageOf(src.last_reading_ms, x.now_ms)}});
  }
  j["sources"] = sources;
  j["commands"] = {{"executed", s.commands_executed}, {"rejected", s.commands_rejected}};
  j["dbus"] = {{"calls_accepted", x.calls_accepted},
               {"calls_rejected", x.calls_rejected},
               {"tail_signals", x.tail_signals},
               {"tail_suppressed", x.tail_suppressed}};
  Json recent = Json::array();
  for (const auto& line : x.recent) {
    recent.push_back(
        {{"time_ms", line.time_ms}, {"level", line.level}, {"logger", line.logger}, {"message", line.message}});
  }
  j["recent_errors"] = recent;
  return j;
}

std::string formatStatus(const Json& j) {
  std::string out;
  const std::int64_t now_ms = num(j, "time_ms");
  out += fmt::format("telemetry-gateway {}, up {}\n", str(j, "version", "?"), humanAge(num(j, "uptime_ms")));

  const Json& up = obj(j, "uplink");
  out += fmt::format("Uplink    {} {}\n", str(up, "state", "?"), str(up, "broker"));
  const std::int64_t ack_age = num(up, "last_ack_age_ms", -1);
  out += fmt::format("          last publish acknowledged {}; {} published, {} acknowledged\n",
                     ack_age >= 0 ? humanAge(ack_age) + " ago" : std::string("never"), num(up, "published"),
                     num(up, "acked"));
  if (!str(up, "last_error").empty()) out += fmt::format("          last error: {}\n", str(up, "last_error"));

  const Json& q = obj(j, "queue");
  const std::int64_t depth = num(q, "depth");
  out += fmt::format("Queue     {} message{}, {}", depth, depth == 1 ? "" : "s",
                     humanBytes(static_cast<std::uint64_t>(num(q, "bytes"))));
  if (depth > 0) out += fmt::format(", oldest {}", humanAge(num(q, "oldest_age_ms")));
  out += fmt::format("; dropped {}", num(q, "dropped"));
  std::string reasons;
  for (const auto& [reason, n] : obj(q, "drops").items()) {
    if (n.is_number() && n.get<std::int64_t>() > 0) {
      reasons += fmt::format("{}{} {}", reasons.empty() ? "" : ", ", reason, n.get<std::int64_t>());
    }
  }
  if (!reasons.empty()) out += " (" + reasons + ")";
  out += "\n";

  const auto src_it = j.find("sources");
  if (src_it == j.end() || !src_it->is_array() || src_it->empty()) {
    out += "Sources   none\n";
  } else {
    bool first = true;
    for (const auto& src : *src_it) {
      const std::string state = str(src, "state", "?");
      std::string line = fmt::format("{}{} ({}) {}", first ? "Sources   " : "          ", str(src, "name", "?"),
                                     str(src, "type", "?"), state);
      const std::int64_t since_age = num(src, "since_age_ms", -1);
      if (since_age >= 0) {
        line += state == "online"
                    ? fmt::format(" for {}", humanAge(since_age))
                    : fmt::format(" since {} ({} ago)", clockTime(num(src, "since_ms")), humanAge(since_age));
      }
      line += fmt::format(", {} readings, {} errors", num(src, "readings"), num(src, "errors"));
      const std::int64_t reading_age = num(src, "last_reading_age_ms", -1);
      line += reading_age >= 0 ? fmt::format(", last reading {} ago", humanAge(reading_age))
                               : std::string(", no reading yet");
      if (!str(src, "detail").empty()) line += ": " + str(src, "detail");
      out += line + "\n";
      first = false;
    }
  }

  const Json& cmd = obj(j, "commands");
  out += fmt::format("Commands  {} executed, {} rejected\n", num(cmd, "executed"), num(cmd, "rejected"));
  const Json& bus = obj(j, "dbus");
  out +=
      fmt::format("D-Bus     {} calls accepted, {} rejected\n", num(bus, "calls_accepted"), num(bus, "calls_rejected"));

  const auto rec = j.find("recent_errors");
  if (rec != j.end() && rec->is_array() && !rec->empty()) {
    out += "Recent warnings and errors\n";
    for (const auto& line : *rec) {
      const std::int64_t t = num(line, "time_ms");
      out += fmt::format("  {} ({} ago) {} {}: {}\n", clockTime(t), humanAge(now_ms - t), str(line, "level"),
                         str(line, "logger"), str(line, "message"));
    }
  } else {
    out += "Recent warnings and errors: none\n";
  }
  return out;
}

std::string formatTailLine(const PublishedEvent& e, bool json, std::size_t width) {
  std::string out;
  if (e.skipped > 0) {
    out += json ? Json{{"skipped", e.skipped}}.dump() + "\n"
                : fmt::format("… {} message{} not shown (signal rate limit)\n", e.skipped, e.skipped == 1 ? "" : "s");
  }
  if (json) {
    out += Json{{"time_ms", e.time_ms}, {"class", e.cls}, {"topic", e.topic},    {"qos", e.qos},
                {"retain", e.retain},   {"size", e.size}, {"payload", e.payload}}
               .dump(-1, ' ', false, Json::error_handler_t::replace);
    return out + "\n";
  }
  std::string line = fmt::format("{} {:<9} q{}{} {:>6} {} ", clockTime(e.time_ms, true), e.cls, e.qos,
                                 e.retain ? "r" : " ", humanBytes(e.size), e.topic);
  const std::string payload = width > line.size() + 8 ? abbreviate(e.payload, width - line.size()) : e.payload;
  return out + line + payload + "\n";
}

}  // namespace tgw::service
