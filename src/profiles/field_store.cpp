#include "profiles/field_store.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace tgw::profiles {

std::optional<double> normalize(const Signal& signal, const profile::FieldSpec& spec,
                                const config::SignalBinding& binding, std::string& reason) {
  if (std::holds_alternative<std::string>(signal.value)) {
    reason = "dropped_not_number";
    return std::nullopt;
  }
  const double raw = signal.number();
  if (!std::isfinite(raw)) {
    reason = "dropped_nan";
    return std::nullopt;
  }
  double v = raw * binding.scale + binding.offset;
  // The unit the (scaled) value is in: the binding's, else the signal's own.
  const std::string_view from = !binding.unit.empty() ? std::string_view(binding.unit) : std::string_view(signal.unit);
  if (!from.empty() && from != spec.unit) {
    if (auto c = profile::convertUnit(v, from, spec.unit)) {
      v = *c;
    } else if (!binding.unit.empty() || profile::findUnit(from) != nullptr) {
      // A known unit of another kind (e.g. "rpm" for a speed): meaningless here.
      reason = "dropped_unit_mismatch";
      return std::nullopt;
    }
    // Unknown unit text on the signal: taken as the field's unit.
  }
  if (!std::isfinite(v)) {
    reason = "dropped_nan";
    return std::nullopt;
  }
  const double min = binding.min.value_or(spec.min);
  const double max = binding.max.value_or(spec.max);
  if (v < min || v > max) {
    reason = "dropped_out_of_range";
    return std::nullopt;
  }
  return v;
}

FieldStore::FieldStore(std::string_view kind, const std::map<std::string, config::SignalBinding>& bindings)
    : kind_(kind) {
  for (const auto& [field, binding] : bindings) {
    const profile::FieldSpec* spec = profile::findField(kind, field);
    if (spec == nullptr || binding.signal.empty()) continue;
    routes_[binding.signal].push_back(Route{spec, binding});
    bindings_[field] = binding;
  }
}

std::vector<std::string_view> FieldStore::apply(const Signal& signal, std::int64_t fallback_ts_ms, Counters& counters) {
  std::vector<std::string_view> changed;
  const auto it = routes_.find(signal.name);
  if (it == routes_.end()) return changed;
  const std::int64_t ts = signal.ts_ms > 0 ? signal.ts_ms : fallback_ts_ms;
  for (const auto& route : it->second) {
    const std::string field(route.spec->name);
    FieldValue next;
    next.ts_ms = ts;
    next.quality = std::clamp(signal.quality, 0, 100);
    const bool text_field = route.spec->name == "firmware";
    if (text_field) {
      if (const auto* s = std::get_if<std::string>(&signal.value)) {
        next.text = *s;
      } else {
        next.text = fmt::format("{}", signal.number());
      }
      next.is_text = true;
    } else if (route.spec->name == "relay" && std::holds_alternative<std::string>(signal.value)) {
      const std::string& s = std::get<std::string>(signal.value);
      if (s != "on" && s != "off" && s != "true" && s != "false" && s != "1" && s != "0") {
        ++counters["dropped_not_number"];
        ++drops_[field];
        continue;
      }
      next.value = (s == "on" || s == "true" || s == "1") ? 1.0 : 0.0;
    } else {
      std::string reason;
      auto v = normalize(signal, *route.spec, route.binding, reason);
      if (!v) {
        ++counters[reason];
        ++drops_[field];
        continue;
      }
      next.value = *v;
    }
    auto cur = values_.find(field);
    if (cur != values_.end() && ts < cur->second.ts_ms) {
      // Older than what we have: a replayed or reordered reading, or the
      // source's clock stepped back. Keep the newer value.
      ++counters["dropped_time_backwards"];
      ++drops_[field];
      continue;
    }
    values_[field] = std::move(next);
    changed.push_back(route.spec->name);
  }
  return changed;
}

const FieldValue* FieldStore::latest(std::string_view field) const {
  const auto it = values_.find(field);
  return it == values_.end() ? nullptr : &it->second;
}

const FieldValue* FieldStore::fresh(std::string_view field, std::int64_t now_ms, std::int64_t max_age_ms) const {
  const FieldValue* v = latest(field);
  if (v == nullptr) return nullptr;
  // A reading from the future (clock differences) counts as fresh.
  if (now_ms - v->ts_ms > max_age_ms) return nullptr;
  return v;
}

const profile::FieldSpec* FieldStore::spec(std::string_view field) const {
  return profile::findField(kind_, field);
}

std::vector<std::string> FieldStore::boundFields() const {
  std::vector<std::string> out;
  for (const auto& [field, b] : bindings_) out.push_back(field);
  return out;
}

const config::SignalBinding* FieldStore::binding(std::string_view field) const {
  const auto it = bindings_.find(field);
  return it == bindings_.end() ? nullptr : &it->second;
}

void FieldStore::clockStepped(std::int64_t now_ms) {
  for (auto& [field, v] : values_) v.ts_ms = std::min(v.ts_ms, now_ms);
}

std::map<std::string, std::uint64_t> FieldStore::takeDrops() {
  std::map<std::string, std::uint64_t> out;
  out.swap(drops_);
  return out;
}

}  // namespace tgw::profiles
