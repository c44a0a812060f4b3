// Golden tests per profile: tests/data/profiles/<profile>_signals.jsonl played
// into the profile built from tests/data/profiles/golden.yaml must give
// exactly <profile>_expected.jsonl (topic, QoS, retain, class, created_ms, payload text).
#include "golden.hpp"

#include <gtest/gtest.h>

#include "profiles/profiles.hpp"
#include "support/support.hpp"
#include "tgw/config/loader.hpp"

namespace tgw::profiles {
namespace {

config::Config goldenConfig() {
  config::Diagnostics diag;
  auto cfg = config::loadFile(test::sourcePath("tests/data/profiles/golden.yaml"), diag);
  EXPECT_TRUE(cfg.has_value()) << diag.format();
  return cfg.value_or(config::Config{});
}

std::string data(const std::string& name) {
  return test::sourcePath("tests/data/profiles/" + name);
}

TEST(Golden, Dtg) {
  DtgProfile dtg(goldenConfig().profiles.dtg);
  const auto messages = test::playScript(dtg, data("dtg_signals.jsonl"));
  test::expectGolden(messages, data("dtg_expected.jsonl"));
  const auto c = dtg.counters();
  EXPECT_EQ(c.at("alerts"), 1U);
  EXPECT_EQ(c.at("dropped_nan"), 2U);           // NaN speed, inf throttle
  EXPECT_EQ(c.at("dropped_out_of_range"), 2U);  // -5 km/h, 140 % fuel
  EXPECT_EQ(c.at("dropped_not_number"), 1U);    // "abc" rpm
}

TEST(Golden, Bess) {
  BessProfile bess(goldenConfig().profiles.bess);
  const auto messages = test::playScript(bess, data("bess_signals.jsonl"));
  test::expectGolden(messages, data("bess_expected.jsonl"));
}

TEST(Golden, Homesync) {
  HomesyncProfile homesync(goldenConfig().profiles.homesync);
  const auto messages = test::playScript(homesync, data("homesync_signals.jsonl"));
  test::expectGolden(messages, data("homesync_expected.jsonl"));
}

}  // namespace
}  // namespace tgw::profiles
