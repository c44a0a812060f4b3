#include "sources/simulator/models.hpp"

#include <algorithm>
#include <cmath>

namespace tgw::sources {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kEarthRadiusM = 6371000.0;

double round3(double v) { return std::round(v * 1000.0) / 1000.0; }
double round6(double v) { return std::round(v * 1e6) / 1e6; }

double uniform(std::mt19937_64& rng, double lo, double hi) {
  return std::uniform_real_distribution<double>(lo, hi)(rng);
}

double noise(std::mt19937_64& rng, double sigma) { return std::normal_distribution<double>(0.0, sigma)(rng); }

}  // namespace

VehicleModel::VehicleModel(std::uint64_t seed, double harsh_braking_every_s)
    : rng_(seed), harsh_every_s_(harsh_braking_every_s), next_harsh_at_(harsh_braking_every_s) {}

std::vector<Reading> VehicleModel::step(double dt) {
  t_ += dt;
  const double before = speed_kmh_;
  if (braking_left_s_ > 0) {
    // Harsh braking: about -6.5 m/s^2 (23.4 km/h per second).
    speed_kmh_ = std::max(0.0, speed_kmh_ - 23.4 * dt);
    braking_left_s_ -= dt;
  } else {
    if (harsh_every_s_ > 0 && t_ >= next_harsh_at_ && speed_kmh_ > 55) {
      braking_left_s_ = 1.5;
      next_harsh_at_ = t_ + harsh_every_s_;
      target_kmh_ = std::max(0.0, speed_kmh_ - 40);
      ++harsh_brakings_;
    }
    retarget_in_s_ -= dt;
    if (retarget_in_s_ <= 0) {
      // Mostly cruising between 30 and 95 km/h, sometimes a stop.
      target_kmh_ = uniform(rng_, 0, 1) < 0.1 ? 0.0 : uniform(rng_, 30, 95);
      retarget_in_s_ = uniform(rng_, 10, 40);
    }
    const double max_change = (speed_kmh_ < target_kmh_ ? 6.0 : 9.0) * dt;  // ~1.7 / 2.5 m/s^2
    speed_kmh_ += std::clamp(target_kmh_ - speed_kmh_, -max_change, max_change);
  }
  speed_kmh_ = std::max(0.0, speed_kmh_);
  const double accel = (speed_kmh_ - before) / 3.6 / std::max(dt, 1e-6);
  last_accel_ = accel;

  // Gearbox: rpm between ~700 idle and ~2100.
  const double rpm = speed_kmh_ < 1 ? 700 + noise(rng_, 8) : 900 + std::fmod(speed_kmh_ * 38.0, 1200.0) + noise(rng_, 15);
  const double throttle = std::clamp(accel > 0 ? 20 + accel * 25 : (speed_kmh_ > 1 ? 12 : 0), 0.0, 100.0);
  fuel_pct_ = std::max(5.0, fuel_pct_ - speed_kmh_ * dt * 0.000015);

  // Position: move along the heading, turning gently.
  heading_rad_ += noise(rng_, 0.01) * dt;
  const double dist = speed_kmh_ / 3.6 * dt;
  lat_ += (dist * std::cos(heading_rad_)) / kEarthRadiusM * 180.0 / kPi;
  lon_ += (dist * std::sin(heading_rad_)) / (kEarthRadiusM * std::cos(lat_ * kPi / 180.0)) * 180.0 / kPi;

  return {
      {"speed", round3(speed_kmh_), "km/h"},
      {"engine_rpm", std::round(rpm), "rpm"},
      {"throttle", round3(throttle), "%"},
      {"fuel_level", round3(fuel_pct_), "%"},
      {"gps.lat", round6(lat_), "deg"},
      {"gps.lon", round6(lon_), "deg"},
      {"gps.speed", round3(speed_kmh_ + noise(rng_, 0.3) * (speed_kmh_ > 0)), "km/h"},
      {"battery_voltage", round3(27.6 + noise(rng_, 0.05)), "V"},
  };
}

BatteryModel::BatteryModel(std::uint64_t seed, int modules) : rng_(seed) {
  for (int i = 0; i < modules; ++i) temps_.push_back(26.0 + uniform(rng_, -1.5, 1.5));
}

std::vector<Reading> BatteryModel::step(double dt) {
  t_ += dt;
  // Charge for ~20 minutes, discharge for ~20 minutes.
  const double phase = std::fmod(t_, 2400.0);
  const double target = phase < 1200 ? 60.0 : -70.0;
  current_a_ += (target - current_a_) * std::min(1.0, dt / 30.0) + noise(rng_, 0.4);
  const double capacity_ah = 280.0;
  soc_ = std::clamp(soc_ + current_a_ * dt / 3600.0 / capacity_ah * 100.0, 5.0, 100.0);
  const double voltage = 716.8 + (soc_ - 50.0) * 0.9 + current_a_ * 0.05 + noise(rng_, 0.2);
  for (std::size_t i = 0; i < temps_.size(); ++i) {
    const double heat = std::abs(current_a_) * 0.004;
    // Module 3 (if present) runs a little hot.
    const double bias = i == 2 ? 3.0 : 0.0;
    temps_[i] += ((25.0 + bias + heat * 10.0) - temps_[i]) * std::min(1.0, dt / 300.0) + noise(rng_, 0.05);
  }
  const double cell_mean = voltage / 224.0;
  std::vector<Reading> out = {
      {"voltage", round3(voltage), "V"},
      {"current", round3(current_a_), "A"},
      {"power_kw", round3(voltage * current_a_ / 1000.0), "kW"},
      {"soc", round3(soc_), "%"},
      {"soh", soh_, "%"},
      {"cell_voltage_max", round3(cell_mean + 0.012 + std::abs(noise(rng_, 0.002))), "V"},
      {"cell_voltage_min", round3(cell_mean - 0.011 - std::abs(noise(rng_, 0.002))), "V"},
  };
  for (std::size_t i = 0; i < temps_.size(); ++i) {
    out.push_back({"module" + std::to_string(i + 1) + ".temperature", round3(temps_[i]), "degC"});
  }
  return out;
}

MeterModel::MeterModel(std::uint64_t seed, double base_power_w) : rng_(seed), base_w_(base_power_w) {}

std::vector<Reading> MeterModel::step(double dt) {
  t_ += dt;
  // A slow wave (appliances cycling) plus noise.
  const double power = std::max(0.0, base_w_ * (1.0 + 0.35 * std::sin(t_ / 90.0)) + noise(rng_, base_w_ * 0.03));
  const double voltage = 230.0 + noise(rng_, 1.2);
  const double pf = std::clamp(0.95 + noise(rng_, 0.01), 0.8, 1.0);
  energy_kwh_ += power * dt / 3600.0 / 1000.0;
  return {
      {"power", round3(power), "W"},
      {"voltage", round3(voltage), "V"},
      {"current", round3(power / (voltage * pf)), "A"},
      {"energy", round3(energy_kwh_), "kWh"},
      {"power_factor", round3(pf), ""},
      {"frequency", round3(50.0 + noise(rng_, 0.02)), "Hz"},
      {"temperature", round3(22.0 + 1.5 * std::sin(t_ / 600.0) + noise(rng_, 0.05)), "degC"},
  };
}

}  // namespace tgw::sources
