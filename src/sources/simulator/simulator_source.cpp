#include "sources/simulator/simulator_source.hpp"

#include <chrono>

#include "core/logging.hpp"
#include "tgw/config/catalog.hpp"

namespace tgw::sources {
namespace {

std::chrono::milliseconds periodOf(double rate_hz) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(1000.0 / rate_hz));
}

}  // namespace

SimulatorSource::SimulatorSource(config::SourceConfig cfg, const Clock& clock)
    : cfg_(std::move(cfg)),
      clock_(clock),
      vehicle_(cfg_.simulator.seed, cfg_.simulator.harsh_braking_every_s),
      battery_(cfg_.simulator.seed + 1, cfg_.simulator.battery_modules) {
  std::uint64_t s = cfg_.simulator.seed + 2;
  for (const auto& m : cfg_.simulator.meters) meters_.emplace_back(s++, m.base_power_w);
}

std::vector<Signal> SimulatorSource::stepVehicle(double dt_s) {
  std::vector<Signal> out;
  const std::int64_t ts = toUnixMs(clock_.now());
  for (auto& r : vehicle_.step(dt_s)) out.push_back({config::sim::vehicle(cfg_.name, r.field), r.value, r.unit, ts, 100});
  return out;
}

std::vector<Signal> SimulatorSource::stepBattery(double dt_s) {
  std::vector<Signal> out;
  const std::int64_t ts = toUnixMs(clock_.now());
  for (auto& r : battery_.step(dt_s)) out.push_back({config::sim::battery(cfg_.name, r.field), r.value, r.unit, ts, 100});
  return out;
}

std::vector<Signal> SimulatorSource::stepMeters(double dt_s) {
  std::vector<Signal> out;
  const std::int64_t ts = toUnixMs(clock_.now());
  for (std::size_t i = 0; i < meters_.size(); ++i) {
    const auto& node = cfg_.simulator.meters[i].node_id;
    for (auto& r : meters_[i].step(dt_s)) {
      out.push_back({config::sim::meter(cfg_.name, node, r.field), r.value, r.unit, ts, 100});
    }
  }
  return out;
}

void SimulatorSource::emit(SignalSink& sink, const std::vector<Signal>& signals) {
  status_.readings += signals.size();
  status_.frames += 1;
  status_.last_reading_ms = toUnixMs(clock_.now());
  sink.onSignals(signals);
}

Expected<void> SimulatorSource::start(EventLoop& loop, SignalSink& sink) {
  const auto& s = cfg_.simulator;
  if (s.vehicle) {
    const double dt = 1.0 / s.vehicle_rate_hz;
    timers_.push_back(loop.every(periodOf(s.vehicle_rate_hz), [this, &sink, dt] { emit(sink, stepVehicle(dt)); }));
  }
  if (s.battery) {
    const double dt = 1.0 / s.battery_rate_hz;
    timers_.push_back(loop.every(periodOf(s.battery_rate_hz), [this, &sink, dt] { emit(sink, stepBattery(dt)); }));
  }
  if (!meters_.empty()) {
    const double dt = 1.0 / s.meter_rate_hz;
    timers_.push_back(loop.every(periodOf(s.meter_rate_hz), [this, &sink, dt] { emit(sink, stepMeters(dt)); }));
  }
  status_.state = SourceState::kOnline;
  log::get("source." + cfg_.name)
      ->info("simulator started (seed {}, vehicle {}, battery {}, {} meter(s))", s.seed, s.vehicle ? "on" : "off",
             s.battery ? "on" : "off", meters_.size());
  return {};
}

void SimulatorSource::stop() {
  timers_.clear();
  status_.state = SourceState::kStopped;
}

}  // namespace tgw::sources
