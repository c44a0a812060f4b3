// Deterministic (seeded) models of a moving vehicle, a battery cabinet and
// home energy meters. Pure: step(dt) advances the model; no clock, no I/O.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace tgw::sources {

// (field, value, unit)
struct Reading {
  std::string field;
  double value;
  const char* unit;
  bool operator==(const Reading&) const = default;
};

class VehicleModel {
 public:
  VehicleModel(std::uint64_t seed, double harsh_braking_every_s);
  std::vector<Reading> step(double dt_s);
  [[nodiscard]] double speedKmh() const { return speed_kmh_; }
  [[nodiscard]] int harshBrakings() const { return harsh_brakings_; }

 private:
  std::mt19937_64 rng_;
  double harsh_every_s_;
  double t_ = 0;
  double next_harsh_at_;
  double speed_kmh_ = 0;
  double target_kmh_ = 50;
  double retarget_in_s_ = 0;
  double braking_left_s_ = 0;
  double fuel_pct_ = 78.0;
  double lat_ = 37.5665;
  double lon_ = 126.9780;
  double heading_rad_ = 0.6;
  double last_accel_ = 0;
  int harsh_brakings_ = 0;
};

class BatteryModel {
 public:
  BatteryModel(std::uint64_t seed, int modules);
  std::vector<Reading> step(double dt_s);
  [[nodiscard]] const std::vector<double>& moduleTemps() const { return temps_; }

 private:
  std::mt19937_64 rng_;
  double t_ = 0;
  double soc_ = 62.0;
  double soh_ = 98.4;
  double current_a_ = 0;
  std::vector<double> temps_;
};

class MeterModel {
 public:
  MeterModel(std::uint64_t seed, double base_power_w);
  std::vector<Reading> step(double dt_s);

 private:
  std::mt19937_64 rng_;
  double base_w_;
  double t_ = 0;
  double energy_kwh_ = 1520.0;
};

}  // namespace tgw::sources
