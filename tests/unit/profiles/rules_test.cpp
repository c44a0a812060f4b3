// Rules: hysteresis, minimum duration, one event per physical event.
#include "profiles/rules.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace tgw::profiles {
namespace {

constexpr std::int64_t kT0 = 1704931200000;

// 80 km/h for `hold_ms`, then linearly to 45 km/h over 1.5 s, then 45 km/h.
double brakingSpeed(std::int64_t t, std::int64_t hold_ms) {
  if (t < hold_ms) return 80.0;
  if (t <= hold_ms + 1500) return 80.0 - 35.0 * static_cast<double>(t - hold_ms) / 1500.0;
  return 45.0;
}

std::vector<RateEvent> drive(RateRule& rule, std::int64_t from, std::int64_t to, std::int64_t step,
                             const std::function<double(std::int64_t)>& speed) {
  std::vector<RateEvent> events;
  for (std::int64_t t = from; t <= to; t += step) {
    if (auto ev = rule.update(speed(t), kT0 + t)) events.push_back(*ev);
  }
  return events;
}

TEST(RateRule, Braking80To45In1500msIsOneEventOfMinus6_5) {
  RateRule rule(config::DtgRules{}.harsh_braking);
  const auto events = drive(rule, 0, 10000, 100, [](std::int64_t t) { return brakingSpeed(t, 3000); });
  ASSERT_EQ(events.size(), 1U);
  EXPECT_NEAR(events[0].rate, -6.5, 0.05);
  EXPECT_DOUBLE_EQ(events[0].speed_before, 80.0);
  EXPECT_DOUBLE_EQ(events[0].speed_after, 45.0);
  EXPECT_EQ(events[0].start_ms, kT0 + 3000);
  EXPECT_EQ(events[0].end_ms, kT0 + 4500);
  EXPECT_FALSE(rule.active());
}

TEST(RateRule, NoisyFastSamplesStillOneEvent) {
  RateRule rule(config::DtgRules{}.harsh_braking);
  // 50 Hz with +-0.3 km/h jitter (CAN quantization and wheel slip).
  const auto events = drive(rule, 0, 12000, 20, [](std::int64_t t) {
    return brakingSpeed(t, 4000) + 0.3 * std::sin(static_cast<double>(t) * 0.7);
  });
  ASSERT_EQ(events.size(), 1U);
  EXPECT_NEAR(events[0].rate, -6.5, 0.4);
  EXPECT_NEAR(events[0].speed_before, 80.0, 0.6);
  EXPECT_NEAR(events[0].speed_after, 45.0, 0.6);
}

TEST(RateRule, TwoSeparateBrakingsAreTwoEvents) {
  RateRule rule(config::DtgRules{}.harsh_braking);
  const auto events = drive(rule, 0, 20000, 100, [](std::int64_t t) {
    if (t < 10000) return brakingSpeed(t, 2000);
    return brakingSpeed(t - 10000, 2000) - 0.0;  // back at 80 (instant), brake again
  });
  EXPECT_EQ(events.size(), 2U);
}

TEST(RateRule, GentleBrakingIsNoEvent) {
  RateRule rule(config::DtgRules{}.harsh_braking);
  // 80 -> 60 km/h over 5 s: -1.1 m/s².
  const auto events = drive(rule, 0, 10000, 100, [](std::int64_t t) {
    return t < 2000 ? 80.0 : std::max(60.0, 80.0 - 20.0 * static_cast<double>(t - 2000) / 5000.0);
  });
  EXPECT_TRUE(events.empty());
}

TEST(RateRule, BrakingShorterThanMinDurationIsNoEvent) {
  config::RuleConfig cfg = config::DtgRules{}.harsh_braking;
  cfg.min_duration_ms = 3000;
  RateRule rule(cfg);
  const auto events = drive(rule, 0, 10000, 100, [](std::int64_t t) { return brakingSpeed(t, 3000); });
  EXPECT_TRUE(events.empty());
}

TEST(RateRule, HarshAcceleration) {
  RateRule rule(config::DtgRules{}.harsh_acceleration);
  // 20 -> 50 km/h in 2 s: +4.17 m/s².
  const auto events = drive(rule, 0, 8000, 100, [](std::int64_t t) {
    if (t < 2000) return 20.0;
    if (t <= 4000) return 20.0 + 30.0 * static_cast<double>(t - 2000) / 2000.0;
    return 50.0;
  });
  ASSERT_EQ(events.size(), 1U);
  EXPECT_NEAR(events[0].rate, 4.17, 0.02);
  EXPECT_DOUBLE_EQ(events[0].speed_before, 20.0);
  EXPECT_DOUBLE_EQ(events[0].speed_after, 50.0);
}

TEST(RateRule, ClockBackwardsMidEventSuppressesIt) {
  RateRule rule(config::DtgRules{}.harsh_braking);
  bool backwards = false;
  for (std::int64_t t = 0; t <= 3800; t += 100) EXPECT_FALSE(rule.update(brakingSpeed(t, 3000), kT0 + t));
  EXPECT_TRUE(rule.active());
  // The clock steps back one hour; the rest of the braking is seen there.
  std::vector<RateEvent> events;
  for (std::int64_t t = 3900; t <= 9000; t += 100) {
    if (auto ev = rule.update(brakingSpeed(t, 3000), kT0 - 3600000 + t, &backwards)) events.push_back(*ev);
  }
  EXPECT_TRUE(backwards);
  EXPECT_TRUE(events.empty());
  EXPECT_FALSE(rule.active());
}

TEST(RateRule, ReadingsStoppingMidEventFinishWithWhatWasSeen) {
  RateRule rule(config::DtgRules{}.harsh_braking);
  for (std::int64_t t = 0; t <= 4000; t += 100) EXPECT_FALSE(rule.update(brakingSpeed(t, 3000), kT0 + t));
  ASSERT_TRUE(rule.active());
  EXPECT_FALSE(rule.flush(kT0 + 4500));  // not stale yet
  const auto ev = rule.flush(kT0 + 6500);
  ASSERT_TRUE(ev.has_value());
  EXPECT_DOUBLE_EQ(ev->speed_before, 80.0);
  EXPECT_NEAR(ev->speed_after, 80.0 - 35.0 / 1.5, 0.01);
  EXPECT_EQ(ev->detected_ms, kT0 + 6500);
  EXPECT_FALSE(rule.flush(kT0 + 9000));  // reported once
}

TEST(RateRule, DisabledRuleNeverFires) {
  config::RuleConfig cfg = config::DtgRules{}.harsh_braking;
  cfg.enabled = false;
  RateRule rule(cfg);
  EXPECT_TRUE(drive(rule, 0, 10000, 100, [](std::int64_t t) { return brakingSpeed(t, 3000); }).empty());
}

config::RuleConfig overspeed() {
  return config::DtgRules{}.overspeed;
}  // 120 / 115, 5 s

TEST(ThresholdRule, OneRaiseAndOneClearWithHysteresis) {
  ThresholdRule rule(overspeed(), true);
  std::vector<ThresholdEvent> events;
  auto feed = [&](std::int64_t from, std::int64_t to, const std::function<double(std::int64_t)>& v) {
    for (std::int64_t t = from; t < to; t += 500) {
      if (auto ev = rule.update(v(t), kT0 + t)) events.push_back(*ev);
    }
  };
  feed(0, 10000, [](std::int64_t) { return 100.0; });
  // Above 120 for 5 s, then wobbling 117..123 (between clear and threshold
  // half of the time) for a minute: still one event.
  feed(10000, 15500, [](std::int64_t) { return 125.0; });
  feed(15500, 80000, [](std::int64_t t) { return 120.0 + 3.0 * std::sin(static_cast<double>(t) / 1500.0) + 1.0; });
  // Brief dips under 115 (shorter than min_duration) do not clear.
  feed(80000, 82000, [](std::int64_t) { return 110.0; });
  feed(82000, 90000, [](std::int64_t) { return 121.0; });
  ASSERT_EQ(events.size(), 1U);
  EXPECT_TRUE(events[0].raised);
  EXPECT_EQ(events[0].since_ms, kT0 + 10000);
  EXPECT_EQ(events[0].ts_ms, kT0 + 15000);
  // Below 115 for 5 s: cleared once.
  feed(90000, 110000, [](std::int64_t) { return 100.0; });
  ASSERT_EQ(events.size(), 2U);
  EXPECT_FALSE(events[1].raised);
  EXPECT_EQ(events[1].ts_ms, kT0 + 95000);
  EXPECT_GE(events[1].peak, 123.0);
}

TEST(ThresholdRule, ShorterThanMinDurationIsNoEvent) {
  ThresholdRule rule(overspeed(), true);
  for (std::int64_t t = 0; t < 4900; t += 100) EXPECT_FALSE(rule.update(130.0, kT0 + t));
  EXPECT_FALSE(rule.update(100.0, kT0 + 4900));
  for (std::int64_t t = 5000; t < 9000; t += 100) EXPECT_FALSE(rule.update(130.0, kT0 + t));
  EXPECT_FALSE(rule.active());
}

TEST(ThresholdRule, GapInReadingsRestartsTheDuration) {
  ThresholdRule rule(overspeed(), true);
  EXPECT_FALSE(rule.update(130.0, kT0));
  EXPECT_FALSE(rule.update(130.0, kT0 + 4000));
  // 10 s without readings: the 5 s are counted again from here.
  EXPECT_FALSE(rule.update(130.0, kT0 + 14000));
  EXPECT_FALSE(rule.update(130.0, kT0 + 18000));
  EXPECT_TRUE(rule.update(130.0, kT0 + 19000).has_value());
}

TEST(ThresholdRule, ClockBackwardsRestartsPendingDuration) {
  ThresholdRule rule(overspeed(), true);
  bool backwards = false;
  EXPECT_FALSE(rule.update(130.0, kT0 + 10000));
  EXPECT_FALSE(rule.update(130.0, kT0 + 1000, &backwards));
  EXPECT_TRUE(backwards);
  EXPECT_FALSE(rule.update(130.0, kT0 + 5500));
  EXPECT_TRUE(rule.update(130.0, kT0 + 6000).has_value());
}

TEST(ThresholdRule, BelowRule) {
  ThresholdRule rule(config::BessRules{}.soc_low, false);  // below 15, clear above 20, 10 s
  std::vector<ThresholdEvent> events;
  for (int s = 0; s < 100; ++s) {
    const double soc = s < 30 ? 16.0 - s * 0.1 : (s < 60 ? 14.0 : (s < 70 ? 18.0 : 21.0));
    if (auto ev = rule.update(soc, kT0 + s * 1000)) events.push_back(*ev);
  }
  ASSERT_EQ(events.size(), 2U);
  EXPECT_TRUE(events[0].raised);
  EXPECT_FALSE(events[1].raised);
  EXPECT_EQ(events[1].ts_ms, kT0 + 80000);
}

TEST(ThresholdRule, NanIsIgnored) {
  ThresholdRule rule(overspeed(), true);
  EXPECT_FALSE(rule.update(std::nan(""), kT0));
  EXPECT_FALSE(rule.active());
}

}  // namespace
}  // namespace tgw::profiles
