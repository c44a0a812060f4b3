#include "decode/at/at.hpp"

#include <chrono>
#include <cctype>
#include <charconv>
#include <cmath>

namespace tgw::decode::at {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

std::string_view unquote(std::string_view s) {
  s = trim(s);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s.substr(1, s.size() - 2);
  return s;
}

std::optional<int> toInt(std::string_view s) {
  s = trim(s);
  if (s.empty()) return std::nullopt;
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> toDouble(std::string_view s) {
  s = trim(s);
  if (s.empty()) return std::nullopt;
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

// The parameters of a line that must start with `prefix` + ':'.
std::optional<std::vector<std::string_view>> params(std::string_view line, std::string_view prefix) {
  line = trim(line);
  if (line.substr(0, prefix.size()) != prefix) return std::nullopt;
  line.remove_prefix(prefix.size());
  if (line.empty() || line.front() != ':') return std::nullopt;
  return splitParams(line.substr(1));
}

std::int64_t daysFromCivil(int y, unsigned m, unsigned d) {
  const std::chrono::year_month_day date{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
  return std::chrono::sys_days{date}.time_since_epoch().count();
}

}  // namespace

std::vector<std::string_view> splitParams(std::string_view s) {
  std::vector<std::string_view> out;
  s = trim(s);
  std::size_t start = 0;
  bool quoted = false;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i < s.size() && s[i] == '"') quoted = !quoted;
    if (i == s.size() || (s[i] == ',' && !quoted)) {
      out.push_back(trim(s.substr(start, i - start)));
      start = i + 1;
    }
  }
  return out;
}

std::string_view prefixOf(std::string_view line) {
  if (line.empty() || (line.front() != '+' && line.front() != '*')) return {};
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return {};
  return line.substr(0, colon);
}

Final classifyFinal(std::string_view line, std::string* code) {
  line = trim(line);
  if (line == "OK") return Final::kOk;
  if (line == "ERROR") return Final::kError;
  if (line == "NO CARRIER") return Final::kNoCarrier;
  if (line == "ABORT") return Final::kAbort;
  if (line.rfind("+CME ERROR:", 0) == 0) {
    if (code) *code = std::string(trim(line.substr(11)));
    return Final::kCmeError;
  }
  if (line.rfind("+CMS ERROR:", 0) == 0) {
    if (code) *code = std::string(trim(line.substr(11)));
    return Final::kCmsError;
  }
  return Final::kNone;
}

std::optional<int> csqToDbm(int rssi) {
  if (rssi < 0 || rssi > 31) return std::nullopt;  // 99 = unknown
  return -113 + 2 * rssi;
}

std::optional<Csq> parseCsq(std::string_view line) {
  auto p = params(line, "+CSQ");
  if (!p || p->size() != 2) return std::nullopt;
  auto rssi = toInt((*p)[0]);
  auto ber = toInt((*p)[1]);
  if (!rssi || !ber || *rssi < 0 || (*rssi > 31 && *rssi != 99)) return std::nullopt;
  Csq c;
  c.rssi_dbm = csqToDbm(*rssi);
  if (*ber >= 0 && *ber <= 7) c.ber = *ber;
  return c;
}

std::optional<Registration> parseRegistration(std::string_view line, bool urc) {
  for (std::string_view kind : {"CREG", "CEREG", "CGREG"}) {
    std::string prefix = "+" + std::string(kind);
    auto p = params(line, prefix);
    if (!p) continue;
    if (p->empty() || (p->size() == 1 && (*p)[0].empty())) return std::nullopt;
    std::size_t i = urc ? 0 : 1;
    if (!urc && p->size() < 2) return std::nullopt;
    Registration r;
    r.kind = std::string(kind);
    auto stat = toInt((*p)[i]);
    if (!stat || *stat < 0 || *stat > 10) return std::nullopt;
    r.stat = *stat;
    if (p->size() > i + 2) {
      r.lac = std::string(unquote((*p)[i + 1]));
      r.ci = std::string(unquote((*p)[i + 2]));
    }
    if (p->size() > i + 3) r.act = toInt((*p)[i + 3]);
    return r;
  }
  return std::nullopt;
}

std::string_view registrationText(int stat) {
  switch (stat) {
    case 0: return "not registered";
    case 1: return "home";
    case 2: return "searching";
    case 3: return "denied";
    case 5: return "roaming";
    default: return "unknown";
  }
}

std::optional<Operator> parseCops(std::string_view line) {
  auto p = params(line, "+COPS");
  if (!p || p->empty()) return std::nullopt;
  auto mode = toInt((*p)[0]);
  if (!mode || *mode < 0 || *mode > 4) return std::nullopt;
  Operator o;
  o.mode = *mode;
  if (p->size() >= 3) o.name = std::string(unquote((*p)[2]));
  if (p->size() >= 4) o.act = toInt((*p)[3]);
  for (char c : o.name) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) return std::nullopt;
  }
  return o;
}

std::optional<std::string> parseIccid(std::string_view line) {
  line = trim(line);
  for (std::string_view prefix : {"+CCID:", "+ICCID:", "+QCCID:"}) {
    if (line.rfind(prefix, 0) == 0) line = trim(line.substr(prefix.size()));
  }
  line = unquote(line);
  if (!line.empty() && (line.back() == 'F' || line.back() == 'f')) line.remove_suffix(1);
  if (line.size() < 18 || line.size() > 22) return std::nullopt;
  for (char c : line) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  }
  return std::string(line);
}

std::optional<ServingCell> parseCpsi(std::string_view line) {
  auto p = params(line, "+CPSI");
  if (!p || p->size() < 2) return std::nullopt;
  ServingCell c;
  c.system = std::string((*p)[0]);
  c.operation = std::string((*p)[1]);
  if (c.system.empty()) return std::nullopt;
  if (p->size() > 2) c.mcc_mnc = std::string((*p)[2]);
  if (c.system.rfind("LTE", 0) == 0 && p->size() >= 14) {
    c.rsrq_db = toDouble((*p)[10]);
    c.rsrp_dbm = toDouble((*p)[11]);
    c.rssi_dbm = toDouble((*p)[12]);
    c.snr_db = toDouble((*p)[13]);
  } else if (c.system == "GSM" && p->size() >= 8) {
    c.rssi_dbm = toDouble((*p)[7]);
  }
  return c;
}

std::optional<bool> parseCgnspwr(std::string_view line) {
  auto p = params(line, "+CGNSPWR");
  if (!p || p->size() != 1) return std::nullopt;
  auto v = toInt((*p)[0]);
  if (!v || (*v != 0 && *v != 1)) return std::nullopt;
  return *v == 1;
}

std::optional<GnssInfo> parseCgnsinf(std::string_view line) {
  auto p = params(line, "+CGNSINF");
  if (!p || p->size() < 2) return std::nullopt;
  auto at = [&](std::size_t i) { return i < p->size() ? (*p)[i] : std::string_view{}; };
  auto run = toInt(at(0));
  auto fix = toInt(at(1));
  if (!run || (*run != 0 && *run != 1)) return std::nullopt;
  GnssInfo g;
  g.running = *run == 1;
  g.fix = fix.value_or(0) == 1;
  const std::string_view t = at(2);
  if (t.size() >= 14) {
    auto y = toInt(t.substr(0, 4));
    auto mo = toInt(t.substr(4, 2));
    auto d = toInt(t.substr(6, 2));
    auto h = toInt(t.substr(8, 2));
    auto mi = toInt(t.substr(10, 2));
    auto s = toDouble(t.substr(12));
    if (y && mo && d && h && mi && s && *mo >= 1 && *mo <= 12 && *d >= 1 && *d <= 31) {
      g.utc_ms = daysFromCivil(*y, static_cast<unsigned>(*mo), static_cast<unsigned>(*d)) * 86400000LL +
                 (static_cast<std::int64_t>(*h) * 3600 + *mi * 60) * 1000 + std::llround(*s * 1000);
    }
  }
  if (g.fix) {
    g.lat = toDouble(at(3));
    g.lon = toDouble(at(4));
    if (!g.lat || !g.lon || std::fabs(*g.lat) > 90 || std::fabs(*g.lon) > 180) return std::nullopt;
    g.alt_m = toDouble(at(5));
    g.speed_kmh = toDouble(at(6));
    g.course_deg = toDouble(at(7));
    g.hdop = toDouble(at(10));
  }
  g.satellites_in_view = toInt(at(14));
  g.satellites_used = toInt(at(15));
  return g;
}

}  // namespace tgw::decode::at
