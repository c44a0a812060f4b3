// Simulated hardware for the demo and tests: a vehicle, a battery cabinet and
// home energy meters, deterministic for a given seed.
#pragma once

#include <memory>
#include <vector>

#include "sources/simulator/models.hpp"
#include "tgw/config/source_config.hpp"
#include "tgw/core/clock.hpp"
#include "tgw/source/source.hpp"

namespace tgw::sources {

class SimulatorSource final : public Source {
 public:
  SimulatorSource(config::SourceConfig cfg, const Clock& clock);
  [[nodiscard]] std::string_view name() const override { return cfg_.name; }
  Expected<void> start(EventLoop& loop, SignalSink& sink) override;
  void stop() override;
  [[nodiscard]] SourceStatus status() const override { return status_; }

  // One step of each model, as signals (used by the timers, and by tests).
  std::vector<Signal> stepVehicle(double dt_s);
  std::vector<Signal> stepBattery(double dt_s);
  std::vector<Signal> stepMeters(double dt_s);

 private:
  void emit(SignalSink& sink, const std::vector<Signal>& signals);

  config::SourceConfig cfg_;
  const Clock& clock_;
  VehicleModel vehicle_;
  BatteryModel battery_;
  std::vector<MeterModel> meters_;
  std::vector<Registration> timers_;
  SourceStatus status_;
};

}  // namespace tgw::sources
