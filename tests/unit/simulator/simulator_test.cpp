#include <cmath>

#include <gtest/gtest.h>

#include "sources/simulator/simulator_source.hpp"

namespace tgw::sources {
namespace {

class FixedClock final : public Clock {
 public:
  [[nodiscard]] WallTime now() const override { return fromUnixMs(1'700'000'000'000); }
  [[nodiscard]] MonoTime monotonic() const override { return MonoTime{}; }
};

config::SourceConfig simConfig(std::uint64_t seed) {
  config::SourceConfig c;
  c.name = "sim";
  c.type = "simulator";
  c.simulator.seed = seed;
  c.simulator.meters = {{"kitchen", 800}, {"garage", 300}};
  return c;
}

TEST(Simulator, SameSeedSameReadings) {
  FixedClock clock;
  SimulatorSource a(simConfig(7), clock);
  SimulatorSource b(simConfig(7), clock);
  for (int i = 0; i < 500; ++i) {
    auto va = a.stepVehicle(0.1);
    auto vb = b.stepVehicle(0.1);
    ASSERT_EQ(va.size(), vb.size());
    for (std::size_t k = 0; k < va.size(); ++k) {
      EXPECT_EQ(va[k].name, vb[k].name);
      EXPECT_EQ(va[k].value, vb[k].value) << va[k].name << " step " << i;
    }
  }
  auto ba = a.stepBattery(1.0);
  auto bb = b.stepBattery(1.0);
  for (std::size_t k = 0; k < ba.size(); ++k) EXPECT_EQ(ba[k].value, bb[k].value);
  auto ma = a.stepMeters(1.0);
  auto mb = b.stepMeters(1.0);
  for (std::size_t k = 0; k < ma.size(); ++k) EXPECT_EQ(ma[k].value, mb[k].value);
}

TEST(Simulator, DifferentSeedDifferentReadings) {
  FixedClock clock;
  SimulatorSource a(simConfig(1), clock);
  SimulatorSource b(simConfig(2), clock);
  int differ = 0;
  for (int i = 0; i < 200; ++i) {
    auto va = a.stepVehicle(0.1);
    auto vb = b.stepVehicle(0.1);
    for (std::size_t k = 0; k < va.size(); ++k) differ += va[k].value != vb[k].value ? 1 : 0;
  }
  EXPECT_GT(differ, 100);
}

TEST(Simulator, SignalNamesAndUnits) {
  FixedClock clock;
  SimulatorSource s(simConfig(1), clock);
  auto v = s.stepVehicle(0.1);
  ASSERT_EQ(v.size(), 8U);
  EXPECT_EQ(v[0].name, "sim.vehicle.speed");
  EXPECT_EQ(v[0].unit, "km/h");
  EXPECT_EQ(v[0].ts_ms, 1'700'000'000'000);
  EXPECT_EQ(v[0].quality, 100);
  auto b = s.stepBattery(1.0);
  EXPECT_EQ(b.back().name, "sim.bess.module8.temperature");
  auto m = s.stepMeters(1.0);
  ASSERT_EQ(m.size(), 14U);
  EXPECT_EQ(m[0].name, "sim.meter.kitchen.power");
  EXPECT_EQ(m[7].name, "sim.meter.garage.power");
}

TEST(Simulator, ReadingsArePhysicallyPlausible) {
  VehicleModel v(3, 60);
  BatteryModel b(3, 4);
  MeterModel m(3, 1000);
  for (int i = 0; i < 36000; ++i) {  // one hour at 10 Hz
    for (const auto& r : v.step(0.1)) {
      ASSERT_TRUE(std::isfinite(r.value));
      if (r.field == "speed") {
        ASSERT_TRUE(r.value >= 0 && r.value <= 130) << r.value;
      }
      if (r.field == "engine_rpm") {
        ASSERT_TRUE(r.value >= 600 && r.value <= 2300) << r.value;
      }
      if (r.field == "fuel_level") {
        ASSERT_TRUE(r.value >= 0 && r.value <= 100);
      }
    }
    if (i % 10 == 0) {
      for (const auto& r : b.step(1.0)) {
        ASSERT_TRUE(std::isfinite(r.value));
        if (r.field == "soc") {
        ASSERT_TRUE(r.value >= 0 && r.value <= 100);
      }
      }
      for (const auto& r : m.step(1.0)) {
        ASSERT_TRUE(std::isfinite(r.value));
        if (r.field == "power_factor") {
        ASSERT_TRUE(r.value >= 0.8 && r.value <= 1.0);
      }
      }
    }
  }
}

TEST(Simulator, HarshBrakingNowAndThen) {
  VehicleModel v(42, 60);
  double prev = 0;
  int harsh_samples = 0;
  for (int i = 0; i < 36000; ++i) {
    const auto r = v.step(0.1);
    const double speed = r[0].value;
    const double decel = (speed - prev) / 3.6 / 0.1;
    if (decel < -6.0) ++harsh_samples;
    prev = speed;
  }
  // Roughly once a minute over an hour (only when fast enough to brake hard).
  EXPECT_GE(v.harshBrakings(), 10);
  EXPECT_LE(v.harshBrakings(), 61);
  EXPECT_GE(harsh_samples, v.harshBrakings() * 10);  // each lasts ~1.5 s at 10 Hz
}

}  // namespace
}  // namespace tgw::sources
