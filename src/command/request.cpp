#include "command/request.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <regex>

namespace tgw::command {

std::string_view unreadableName(Unreadable u) noexcept {
  switch (u) {
    case Unreadable::kTooLarge:
      return "too_large";
    case Unreadable::kInvalidUtf8:
      return "invalid_utf8";
    case Unreadable::kInvalidJson:
      return "invalid_json";
    case Unreadable::kNotObject:
      return "not_object";
    case Unreadable::kMissingRequestId:
      return "missing_request_id";
  }
  return "unreadable";
}

bool validUtf8(std::string_view s) noexcept {
  std::size_t i = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  while (i < n) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    int len = 0;
    std::uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + static_cast<std::size_t>(len) > n) return false;
    for (int k = 1; k < len; ++k) {
      const unsigned char cc = p[i + static_cast<std::size_t>(k)];
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)) return false;  // overlong
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += static_cast<std::size_t>(len);
  }
  return true;
}

namespace {

constexpr int kMaxDepth = 32;

// Deepest [ / { nesting outside strings (deep documents would recurse deeply later).
int nestingDepth(std::string_view s) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : s) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') in_string = true;
    if (c == '[' || c == '{') deepest = std::max(deepest, ++depth);
    if (c == ']' || c == '}') --depth;
  }
  return deepest;
}

}  // namespace

tl::expected<Envelope, ReadFailure> readEnvelope(std::string_view payload, std::size_t max_bytes) {
  using tl::unexpected;
  if (payload.size() > max_bytes) {
    return unexpected(
        ReadFailure{Unreadable::kTooLarge,
                    fmt::format("{} bytes, the limit is {} (commands.max_payload_bytes)", payload.size(), max_bytes)});
  }
  if (!validUtf8(payload)) return unexpected(ReadFailure{Unreadable::kInvalidUtf8, "the payload is not valid UTF-8"});
  if (nestingDepth(payload) > kMaxDepth) {
    return unexpected(ReadFailure{Unreadable::kInvalidJson, fmt::format("nested deeper than {} levels", kMaxDepth)});
  }
  Envelope env;
  env.body = nlohmann::json::parse(payload, nullptr, false);
  if (env.body.is_discarded()) return unexpected(ReadFailure{Unreadable::kInvalidJson, "the payload is not JSON"});
  if (!env.body.is_object()) {
    return unexpected(ReadFailure{Unreadable::kNotObject, "the payload is JSON but not an object"});
  }
  for (const char* key : {"request_id", "id"}) {
    const auto it = env.body.find(key);
    if (it == env.body.end()) continue;
    if (it->is_string()) {
      const auto& s = it->get_ref<const std::string&>();
      if (s.empty() || s.size() > 128) break;
      bool printable = true;
      for (unsigned char c : s) printable = printable && c >= 0x20 && c != 0x7F;
      if (!printable) break;
      env.request_id = s;
    } else if (it->is_number_integer()) {
      env.request_id = it->dump();
    } else {
      break;
    }
    env.rid = *it;
    env.rid_key = key;
    return env;
  }
  return unexpected(ReadFailure{Unreadable::kMissingRequestId,
                                "no usable request_id / id (a non-empty string of up to 128 printable bytes, or an "
                                "integer)"});
}

namespace {

std::optional<std::int64_t> parseIso(const std::string& s) {
  static const std::regex kIso(
      R"(^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|z|[+-]\d{2}:?\d{2})?$)");
  std::smatch m;
  if (!std::regex_match(s, m, kIso)) return std::nullopt;
  using namespace std::chrono;
  const int y = std::stoi(m[1]);
  const unsigned mo = static_cast<unsigned>(std::stoi(m[2]));
  const unsigned d = static_cast<unsigned>(std::stoi(m[3]));
  const year_month_day ymd{year{y}, month{mo}, day{d}};
  if (!ymd.ok()) return std::nullopt;
  const int hh = std::stoi(m[4]);
  const int mi = std::stoi(m[5]);
  const int ss = std::stoi(m[6]);
  if (hh > 23 || mi > 59 || ss > 60) return std::nullopt;
  std::int64_t ms = duration_cast<milliseconds>(sys_days{ymd}.time_since_epoch()).count();
  ms += (hh * 3600LL + mi * 60LL + ss) * 1000LL;
  if (m[7].matched) {
    std::string frac = m[7].str();
    frac.resize(3, '0');
    ms += std::stoi(frac);
  }
  if (m[8].matched) {
    const std::string tz = m[8].str();
    if (tz != "Z" && tz != "z") {
      const int sign = tz[0] == '-' ? -1 : 1;
      std::string digits;
      for (char c : tz.substr(1)) {
        if (c != ':') digits += c;
      }
      const int oh = std::stoi(digits.substr(0, 2));
      const int om = std::stoi(digits.substr(2, 2));
      if (oh > 23 || om > 59) return std::nullopt;
      ms -= sign * (oh * 3600LL + om * 60LL) * 1000LL;
    }
  }
  return ms;
}

}  // namespace

std::optional<std::int64_t> parseTimestampMs(const nlohmann::json& value) {
  if (value.is_number()) {
    const double v = value.get<double>();
    if (!std::isfinite(v) || v < 0 || v > 1e14) return std::nullopt;
    return v > 1e11 ? static_cast<std::int64_t>(v) : static_cast<std::int64_t>(std::llround(v * 1000.0));
  }
  if (value.is_string()) {
    const auto& s = value.get_ref<const std::string&>();
    if (s.size() > 40) return std::nullopt;
    return parseIso(s);
  }
  return std::nullopt;
}

std::string isoUtc(std::int64_t unix_ms) {
  using namespace std::chrono;
  const sys_time<milliseconds> t{milliseconds(unix_ms)};
  const auto day_point = floor<days>(t);
  const year_month_day ymd{day_point};
  const hh_mm_ss hms{t - day_point};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), hms.hours().count(),
                     hms.minutes().count(), hms.seconds().count(), hms.subseconds().count());
}

}  // namespace tgw::command
