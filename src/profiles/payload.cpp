#include "profiles/payload.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>

namespace tgw::profiles {

Json number(double value, int decimals) {
  if (!std::isfinite(value)) return nullptr;
  const double scale = std::pow(10.0, decimals);
  const double rounded = std::round(value * scale) / scale;
  if (decimals <= 0 && std::fabs(rounded) < 9.0e15) return static_cast<std::int64_t>(rounded);
  return rounded == 0.0 ? 0.0 : rounded;  // no "-0.0"
}

// Calendar arithmetic on 64-bit milliseconds, not time_t + gmtime_r: time_t is
// 32 bits on Debian 12 armhf, where 2038-01-19T03:14:08Z and later wrapped to
// 1901.
std::string isoUtc(std::int64_t unix_ms) {
  using namespace std::chrono;
  const sys_time<milliseconds> t{milliseconds(unix_ms)};
  const auto day_point = floor<days>(t);
  const year_month_day ymd{day_point};
  const hh_mm_ss hms{floor<seconds>(t) - day_point};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), hms.hours().count(),
                     hms.minutes().count(), hms.seconds().count());
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
