// bess — battery energy storage system (SPEC.md §4.2).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "profiles/bess_log_sink.hpp"
#include "profiles/field_store.hpp"
#include "profiles/rules.hpp"
#include "tgw/config/profile_config.hpp"
#include "tgw/profile/profile.hpp"

namespace tgw::profiles {

// Status codes the profile itself sends (docs/profiles.md).
inline constexpr int kStatusReadingsResumed = 1001;
inline constexpr int kStatusNoReadings = 5001;
inline constexpr int kStatusBadReadings = 5002;

class BessProfile final : public Profile {
 public:
  explicit BessProfile(const config::BessConfig& cfg);

  [[nodiscard]] std::string_view name() const override { return "bess"; }
  void onSignal(const Signal& signal, std::vector<Message>& out) override;
  void tick(WallTime now, const GatewayStats& stats, std::vector<Message>& out) override;
  [[nodiscard]] std::map<std::string, std::uint64_t> counters() const override;
  [[nodiscard]] std::vector<Message> connectionStatus(bool online, std::string_view reason,
                                                      WallTime now) const override;

  // A status message (bess/status/info or bess/status/error) from elsewhere
  // in the daemon (e.g. a command's outcome).
  void reportStatus(int code, std::string_view message, bool is_error, WallTime now, std::vector<Message>& out);

  // The log forwarder: register with tgw::log::addSink(profile.logSink())
  // (and removeSink before the profile is destroyed). tick() drains it.
  [[nodiscard]] const std::shared_ptr<BessLogSink>& logSink() const { return log_sink_; }
  [[nodiscard]] const std::string& topic(std::string_view key) const;

 private:
  struct Module {
    int id = 0;
    FieldValue value;
    bool have = false;
    ThresholdRule warning;
    ThresholdRule critical;
  };
  struct Health {
    bool stale = false;
    std::int64_t last_bad_report_ms = 0;
    std::uint64_t bad_since_report = 0;
  };

  void telemetry(std::int64_t now_ms, std::vector<Message>& out);
  void onModuleTemp(const Signal& signal, int module_id, std::vector<Message>& out);
  void thresholdAlarm(const std::optional<ThresholdEvent>& ev, const config::RuleConfig& rule, int module_id,
                      const std::string& what, std::string_view unit, std::vector<Message>& out);
  void alarm(int code, const std::string& message, std::string_view severity, int module_id, std::int64_t ts_ms,
             std::vector<Message>& out);
  void checkHealth(std::int64_t now_ms, std::vector<Message>& out);
  [[nodiscard]] int moduleIdFor(const std::string& signal_name);
  [[nodiscard]] Json field(std::string_view name, std::int64_t now_ms) const;

  config::BessConfig cfg_;
  std::map<std::string, std::string, std::less<>> topics_;
  FieldStore fields_;
  ThresholdRule soc_low_;
  ThresholdRule cell_deviation_;
  std::map<std::string, int> module_ids_;  // signal name -> module id (0: not a module temperature)
  std::map<int, Module> modules_;
  std::map<std::string, Health> health_;  // per field, "module_temperatures" for the modules
  std::shared_ptr<BessLogSink> log_sink_;
  Counters counters_;
  bool started_ = false;
  std::int64_t start_ms_ = 0;
  std::int64_t last_tick_ms_ = 0;
  std::int64_t next_telemetry_ms_ = 0;
  std::int64_t last_module_ts_ = 0;
};

}  // namespace tgw::profiles
