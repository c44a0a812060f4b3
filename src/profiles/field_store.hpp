// Bound fields of one profile (or one homesync node): routes signals by name
// to fields, converts units, rejects bad readings (counted) and keeps the
// latest valid value of each field with its time and quality.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "profiles/payload.hpp"
#include "tgw/config/profile_config.hpp"
#include "tgw/model/signal.hpp"
#include "tgw/profile/fields.hpp"

namespace tgw::profiles {

struct FieldValue {
  double value = 0;
  std::string text;  // string-valued signals (e.g. firmware)
  bool is_text = false;
  std::int64_t ts_ms = 0;  // reading time
  int quality = 100;
};

class FieldStore {
 public:
  // `kind`: "dtg", "bess", "homesync", "homesync.status" (fields.hpp).
  FieldStore(std::string_view kind, const std::map<std::string, config::SignalBinding>& bindings);

  // The fields bound to `signal_name` (empty if none).
  [[nodiscard]] bool binds(const std::string& signal_name) const { return routes_.count(signal_name) != 0; }

  // Apply a signal; returns the fields that took a new value. Bad readings are
  // dropped and counted in `counters` ("dropped_nan", "dropped_out_of_range",
  // "dropped_unit_mismatch", "dropped_not_number", "dropped_time_backwards").
  // `fallback_ts_ms` is used when the signal carries no time (ts_ms <= 0).
  std::vector<std::string_view> apply(const Signal& signal, std::int64_t fallback_ts_ms, Counters& counters);

  // The latest value, if any and not older than `max_age_ms` at `now_ms`.
  [[nodiscard]] const FieldValue* fresh(std::string_view field, std::int64_t now_ms, std::int64_t max_age_ms) const;
  [[nodiscard]] const FieldValue* latest(std::string_view field) const;
  [[nodiscard]] const profile::FieldSpec* spec(std::string_view field) const;
  [[nodiscard]] std::vector<std::string> boundFields() const;
  [[nodiscard]] const config::SignalBinding* binding(std::string_view field) const;

  // The wall clock stepped back to `now_ms`: readings stamped later than that
  // are re-stamped `now_ms`, so that new readings are not taken for replays.
  void clockStepped(std::int64_t now_ms);

  // Signals dropped per field since the last call (for status reports).
  std::map<std::string, std::uint64_t> takeDrops();

 private:
  struct Route {
    const profile::FieldSpec* spec = nullptr;
    config::SignalBinding binding;
  };
  std::string kind_;
  std::unordered_map<std::string, std::vector<Route>> routes_;
  std::map<std::string, FieldValue, std::less<>> values_;
  std::map<std::string, config::SignalBinding, std::less<>> bindings_;
  std::map<std::string, std::uint64_t> drops_;
};

// Convert one reading to the field's unit and check its range. nullopt and
// `reason` set when it must be dropped. Exposed for the module temperatures.
std::optional<double> normalize(const Signal& signal, const profile::FieldSpec& spec,
                                const config::SignalBinding& binding, std::string& reason);

}  // namespace tgw::profiles
