// dtg — fleet vehicle tachograph (SPEC.md §4.1).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "profiles/field_store.hpp"
#include "profiles/rules.hpp"
#include "tgw/config/profile_config.hpp"
#include "tgw/core/error.hpp"
#include "tgw/profile/profile.hpp"

namespace tgw::profiles {

// A result from a local inference application (SPEC §4.1 inference topic).
struct InferenceResult {
  std::string behavior;                      // e.g. "ECO_DRIVING"
  double confidence = 0;                     // 0..1
  double safety_score = 0;                   // 0..100
  double fuel_efficiency = 0;                // >= 0
  double latency_ms = 0;                     // >= 0
  std::optional<std::int64_t> timestamp_ms;  // default: now
};

class DtgProfile final : public Profile {
 public:
  explicit DtgProfile(const config::DtgConfig& cfg);

  [[nodiscard]] std::string_view name() const override { return "dtg"; }
  void onSignal(const Signal& signal, std::vector<Message>& out) override;
  void tick(WallTime now, const GatewayStats& stats, std::vector<Message>& out) override;
  void onConnected(WallTime now, const GatewayStats& stats, std::vector<Message>& out) override;
  [[nodiscard]] std::map<std::string, std::uint64_t> counters() const override { return counters_; }
  [[nodiscard]] std::vector<Message> connectionStatus(bool online, std::string_view reason,
                                                      WallTime now) const override;

  // Inference from a local application (the D-Bus Publish entry point calls
  // this). Invalid input is an Errc::kInvalidArgument error and emits nothing.
  Expected<void> submitInference(const InferenceResult& result, WallTime now, std::vector<Message>& out);
  // Same from JSON text: {"behavior", "confidence", "safety_score",
  // "fuel_efficiency", "latency_ms"[, "timestamp"]}; other keys are errors.
  Expected<void> submitInference(std::string_view json, WallTime now, std::vector<Message>& out);

  [[nodiscard]] const std::string& topic(std::string_view key) const;

 private:
  void telemetry(std::int64_t now_ms, std::vector<Message>& out);
  void status(std::int64_t now_ms, const GatewayStats& stats, std::vector<Message>& out);
  void alert(std::string_view type, const std::string& severity, std::int64_t ts_ms, Json details,
             std::vector<Message>& out, std::int64_t created_ms = 0);
  void rateAlert(const std::optional<RateEvent>& ev, bool braking, std::vector<Message>& out);
  [[nodiscard]] Json field(std::string_view name, std::int64_t now_ms) const;

  config::DtgConfig cfg_;
  std::map<std::string, std::string, std::less<>> topics_;  // expanded
  FieldStore fields_;
  RateRule braking_;
  RateRule acceleration_;
  ThresholdRule overspeed_;
  ThresholdRule over_rev_;
  Counters counters_;
  std::int64_t last_tick_ms_ = 0;
  bool started_ = false;
  std::int64_t next_telemetry_ms_ = 0;
  std::int64_t next_status_ms_ = 0;
};

}  // namespace tgw::profiles
