#include "profiles/payload.hpp"

#include <fmt/format.h>

#include <cmath>
#include <ctime>

namespace tgw::profiles {

Json number(double value, int decimals) {
  if (!std::isfinite(value)) return nullptr;
  const double scale = std::pow(10.0, decimals);
  const double rounded = std::round(value * scale) / scale;
  if (decimals <= 0 && std::fabs(rounded) < 9.0e15) return static_cast<std::int64_t>(rounded);
  return rounded == 0.0 ? 0.0 : rounded;  // no "-0.0"
}

std::string isoUtc(std::int64_t unix_ms) {
  std::int64_t secs = unix_ms / 1000;
  if (unix_ms < 0 && unix_ms % 1000 != 0) --secs;
  const std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec);
}

std::string dump(const Json& json) {
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Message makeMessage(MessageClass cls, std::string topic, const Json& payload, int qos, bool retain,
                    std::int64_t created_ms) {
  Message m;
  m.cls = cls;
  m.topic = std::move(topic);
  m.payload = dump(payload);
  m.qos = qos;
  m.retain = retain;
  m.created_ms = created_ms;
  return m;
}

}  // namespace tgw::profiles
