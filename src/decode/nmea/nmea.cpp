#include "decode/nmea/nmea.hpp"

#include <chrono>
#include <array>
#include <charconv>
#include <cmath>

namespace tgw::decode::nmea {
namespace {

constexpr double kKnotToKmh = 1.852;

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::optional<double> toDouble(std::string_view s) {
  if (s.empty()) return std::nullopt;
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<int> toInt(std::string_view s) {
  if (s.empty()) return std::nullopt;
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// Field access that tolerates short sentences.
struct Fields {
  const std::vector<std::string_view>& f;
  [[nodiscard]] std::string_view operator[](std::size_t i) const { return i < f.size() ? f[i] : std::string_view{}; }
};

// "ddmm.mmmm" + hemisphere -> degrees. `degDigits` is 2 for latitude, 3 for longitude.
bool coordinate(std::string_view value, std::string_view hemi, int degDigits, std::optional<double>& out) {
  if (value.empty() && hemi.empty()) return true;  // simply absent
  if (value.size() < static_cast<std::size_t>(degDigits) + 2) return false;
  auto deg = toInt(value.substr(0, degDigits));
  auto min = toDouble(value.substr(degDigits));
  if (!deg || !min || *min < 0 || *min >= 60 || *deg < 0) return false;
  double v = *deg + *min / 60.0;
  if (hemi == "S" || hemi == "W") {
    v = -v;
  } else if (hemi != "N" && hemi != "E") {
    return false;
  }
  if ((degDigits == 2 && std::fabs(v) > 90) || (degDigits == 3 && std::fabs(v) > 180)) return false;
  out = v;
  return true;
}

// "hhmmss[.sss]" -> ms since midnight.
bool timeOfDay(std::string_view s, std::optional<std::int64_t>& out) {
  if (s.empty()) return true;
  if (s.size() < 6) return false;
  auto hh = toInt(s.substr(0, 2));
  auto mm = toInt(s.substr(2, 2));
  auto ss = toDouble(s.substr(4));
  if (!hh || !mm || !ss || *hh > 23 || *mm > 59 || *ss < 0 || *ss >= 61) return false;
  out = (static_cast<std::int64_t>(*hh) * 3600 + *mm * 60) * 1000 + std::llround(*ss * 1000.0);
  return true;
}

// Days since 1970-01-01 of a civil date.
std::int64_t daysFromCivil(int y, unsigned m, unsigned d) {
  const std::chrono::year_month_day date{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
  return std::chrono::sys_days{date}.time_since_epoch().count();
}

// "ddmmyy" -> Unix ms at midnight.
bool date(std::string_view s, std::optional<std::int64_t>& out) {
  if (s.empty()) return true;
  if (s.size() != 6) return false;
  auto dd = toInt(s.substr(0, 2));
  auto mo = toInt(s.substr(2, 2));
  auto yy = toInt(s.substr(4, 2));
  if (!dd || !mo || !yy || *dd < 1 || *dd > 31 || *mo < 1 || *mo > 12 || *yy < 0) return false;
  const int year = *yy < 80 ? 2000 + *yy : 1900 + *yy;
  out = daysFromCivil(year, static_cast<unsigned>(*mo), static_cast<unsigned>(*dd)) * 86400000LL;
  return true;
}

bool optNumber(std::string_view s, std::optional<double>& out) {
  if (s.empty()) return true;
  out = toDouble(s);
  return out.has_value();
}

bool optInt(std::string_view s, std::optional<int>& out) {
  if (s.empty()) return true;
  out = toInt(s);
  return out.has_value();
}

bool position(Fields f, std::size_t at, GpsUpdate& u) {
  std::optional<double> lat;
  std::optional<double> lon;
  if (!coordinate(f[at], f[at + 1], 2, lat) || !coordinate(f[at + 2], f[at + 3], 3, lon)) return false;
  if (lat.has_value() != lon.has_value()) return false;
  u.lat = lat;
  u.lon = lon;
  return true;
}

void dropPositionUnlessValid(GpsUpdate& u) {
  if (u.valid != true) {
    u.lat.reset();
    u.lon.reset();
    u.alt_m.reset();
    u.speed_kmh.reset();
    u.course_deg.reset();
  }
}

Problem decodeGga(Fields f, GpsUpdate& u) {
  if (!timeOfDay(f[0], u.time_of_day_ms) || !position(f, 1, u) || !optInt(f[5], u.quality) ||
      !optInt(f[6], u.satellites) || !optNumber(f[7], u.hdop) || !optNumber(f[8], u.alt_m)) {
    return Problem::kBadField;
  }
  u.valid = u.quality.value_or(0) > 0 && u.lat.has_value();
  dropPositionUnlessValid(u);
  return Problem::kNone;
}

Problem decodeRmc(Fields f, GpsUpdate& u) {
  std::optional<double> knots;
  std::optional<std::int64_t> day;
  if (!timeOfDay(f[0], u.time_of_day_ms) || !position(f, 2, u) || !optNumber(f[6], knots) ||
      !optNumber(f[7], u.course_deg) || !date(f[8], day)) {
    return Problem::kBadField;
  }
  if (knots) u.speed_kmh = *knots * kKnotToKmh;
  if (day && u.time_of_day_ms) u.utc_ms = *day + *u.time_of_day_ms;
  const std::string_view mode = f[11];
  u.valid = f[1] == "A" && mode != "N" && u.lat.has_value();
  dropPositionUnlessValid(u);
  return Problem::kNone;
}

Problem decodeGll(Fields f, GpsUpdate& u) {
  if (!position(f, 0, u) || !timeOfDay(f[4], u.time_of_day_ms)) return Problem::kBadField;
  u.valid = f[5] == "A" && f[6] != "N" && u.lat.has_value();
  dropPositionUnlessValid(u);
  return Problem::kNone;
}

Problem decodeVtg(Fields f, GpsUpdate& u) {
  std::optional<double> knots;
  std::optional<double> kmh;
  if (!optNumber(f[0], u.course_deg) || !optNumber(f[4], knots) || !optNumber(f[6], kmh)) return Problem::kBadField;
  if (kmh) {
    u.speed_kmh = kmh;
  } else if (knots) {
    u.speed_kmh = *knots * kKnotToKmh;
  }
  if (f[8] == "N" || (!u.speed_kmh && !u.course_deg)) {
    u.speed_kmh.reset();
    u.course_deg.reset();
  }
  return Problem::kNone;
}

Problem decodeGsa(Fields f, GpsUpdate& u) {
  if (!optInt(f[1], u.mode) || !optNumber(f[14], u.pdop) || !optNumber(f[15], u.hdop) ||
      !optNumber(f[16], u.vdop)) {
    return Problem::kBadField;
  }
  int used = 0;
  for (std::size_t i = 2; i < 14; ++i) used += f[i].empty() ? 0 : 1;
  // GSA lists at most 12 satellites of one constellation: not a total, so not reported.
  (void)used;
  return Problem::kNone;
}

Problem decodeGns(Fields f, GpsUpdate& u) {
  if (!timeOfDay(f[0], u.time_of_day_ms) || !position(f, 1, u) || !optInt(f[6], u.satellites) ||
      !optNumber(f[7], u.hdop) || !optNumber(f[8], u.alt_m)) {
    return Problem::kBadField;
  }
  const std::string_view modes = f[5];
  bool any = false;
  for (char c : modes) any = any || (c != 'N' && c != 'V');
  u.valid = any && u.lat.has_value();
  dropPositionUnlessValid(u);
  return Problem::kNone;
}

bool knownTalker(std::string_view t) {
  static constexpr std::array<std::string_view, 8> kTalkers = {"GP", "GN", "GL", "GA", "BD", "GB", "GQ", "GI"};
  for (auto k : kTalkers) {
    if (k == t) return true;
  }
  return false;
}

}  // namespace

std::string_view problemName(Problem p) noexcept {
  switch (p) {
    case Problem::kNone: return "ok";
    case Problem::kEmpty: return "empty line";
    case Problem::kNoStart: return "no '$' start";
    case Problem::kTooLong: return "line too long";
    case Problem::kBadCharacter: return "non-printable byte";
    case Problem::kNoChecksum: return "no checksum";
    case Problem::kBadChecksum: return "checksum mismatch";
    case Problem::kBadAddress: return "bad address field";
    case Problem::kUnsupported: return "unsupported sentence";
    case Problem::kBadField: return "malformed field";
  }
  return "?";
}

std::uint8_t checksum(std::string_view body) {
  std::uint8_t sum = 0;
  for (char c : body) sum ^= static_cast<std::uint8_t>(c);
  return sum;
}

SplitResult splitSentence(std::string_view line) {
  SplitResult r;
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  if (line.empty()) {
    r.problem = Problem::kEmpty;
    return r;
  }
  if (line.size() > kMaxSentenceLength) {
    r.problem = Problem::kTooLong;
    return r;
  }
  if (line.front() != '$' && line.front() != '!') {
    r.problem = Problem::kNoStart;
    return r;
  }
  for (char c : line) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) {
      r.problem = Problem::kBadCharacter;
      return r;
    }
  }
  const auto star = line.rfind('*');
  if (star == std::string_view::npos || star + 3 != line.size()) {
    r.problem = Problem::kNoChecksum;
    return r;
  }
  const int hi = hexDigit(line[star + 1]);
  const int lo = hexDigit(line[star + 2]);
  const std::string_view body = line.substr(1, star - 1);
  if (hi < 0 || lo < 0) {
    r.problem = Problem::kNoChecksum;
    return r;
  }
  if (checksum(body) != static_cast<std::uint8_t>(hi * 16 + lo)) {
    r.problem = Problem::kBadChecksum;
    return r;
  }
  const auto comma = body.find(',');
  const std::string_view address = body.substr(0, comma);
  if (address.size() < 3) {
    r.problem = Problem::kBadAddress;
    return r;
  }
  if (address.front() == 'P') {
    r.sentence.talker = "P";
    r.sentence.type = address.substr(1);
  } else {
    r.sentence.talker = address.substr(0, 2);
    r.sentence.type = address.substr(2);
  }
  if (comma != std::string_view::npos) {
    std::string_view rest = body.substr(comma + 1);
    while (true) {
      const auto next = rest.find(',');
      r.sentence.fields.push_back(rest.substr(0, next));
      if (next == std::string_view::npos) break;
      rest.remove_prefix(next + 1);
    }
  }
  return r;
}

DecodeResult decodeSentence(std::string_view line) {
  DecodeResult out;
  SplitResult s = splitSentence(line);
  if (s.problem != Problem::kNone) {
    out.problem = s.problem;
    return out;
  }
  const Sentence& sen = s.sentence;
  if (!knownTalker(sen.talker)) {
    out.problem = Problem::kUnsupported;
    return out;
  }
  GpsUpdate& u = out.update;
  u.type = std::string(sen.type);
  u.talker = std::string(sen.talker);
  const Fields f{sen.fields};
  if (sen.type == "GGA") {
    out.problem = decodeGga(f, u);
  } else if (sen.type == "RMC") {
    out.problem = decodeRmc(f, u);
  } else if (sen.type == "GLL") {
    out.problem = decodeGll(f, u);
  } else if (sen.type == "VTG") {
    out.problem = decodeVtg(f, u);
  } else if (sen.type == "GSA") {
    out.problem = decodeGsa(f, u);
  } else if (sen.type == "GNS") {
    out.problem = decodeGns(f, u);
  } else {
    out.problem = Problem::kUnsupported;
  }
  if (out.problem != Problem::kNone) out.update = GpsUpdate{};
  return out;
}

void GpsState::apply(const GpsUpdate& u) {
  if (u.valid.has_value()) fix_ = *u.valid;
  if (u.mode) mode_ = *u.mode;
  if (u.satellites) satellites_ = *u.satellites;
  if (u.quality && *u.quality == 0) fix_ = false;
}

int GpsState::fixMode() const {
  if (!fix_) return 0;
  if (mode_ && *mode_ >= 2) return *mode_;
  return 2;
}

}  // namespace tgw::decode::nmea
