// The homeassistant: config section.
#include <gtest/gtest.h>

#include "tgw/config/loader.hpp"

namespace tgw::config {
namespace {

const std::string kBase = "gateway:\n  device_id: gw\nuplink:\n  url: mqtt://127.0.0.1:1883\nprofiles:\n  dtg: {}\n";

TEST(HomeAssistantSection, OffByDefaultWithHaDefaults) {
  Diagnostics diag;
  auto cfg = loadString(kBase, "gw.yaml", diag);
  ASSERT_TRUE(cfg) << diag.format();
  EXPECT_FALSE(cfg->homeassistant.enabled);
  EXPECT_EQ(cfg->homeassistant.discovery_prefix, "homeassistant");
  EXPECT_EQ(cfg->homeassistant.status_topic, "homeassistant/status");
  EXPECT_EQ(cfg->homeassistant.relay_command_topic, "homesync/{home_id}/nodes/{node_id}/command/relay");
}

TEST(HomeAssistantSection, ReadsItsKeys) {
  Diagnostics diag;
  auto cfg = loadString(kBase + "homeassistant:\n  enabled: true\n  discovery_prefix: ha\n  status_topic: ha/status\n",
                        "gw.yaml", diag);
  ASSERT_TRUE(cfg) << diag.format();
  EXPECT_TRUE(cfg->homeassistant.enabled);
  EXPECT_EQ(cfg->homeassistant.discovery_prefix, "ha");
  EXPECT_EQ(cfg->homeassistant.status_topic, "ha/status");
}

TEST(HomeAssistantSection, BadTopicsAndUnknownKeysAreErrorsWithTheirPlace) {
  Diagnostics diag;
  auto cfg = loadString(kBase +
                            "homeassistant:\n  enabled: true\n  discovery_prefix: ha/#\n"
                            "  relay_command_topic: x/{home_id}/relay\n  status_topc: x\n",
                        "gw.yaml", diag);
  ASSERT_FALSE(cfg);
  const std::string text = diag.format();
  EXPECT_NE(text.find("gw.yaml:9:21: homeassistant.discovery_prefix"), std::string::npos) << text;
  EXPECT_NE(text.find("wildcards"), std::string::npos) << text;
  EXPECT_NE(text.find("homeassistant.relay_command_topic"), std::string::npos) << text;
  EXPECT_NE(text.find("{node_id}"), std::string::npos) << text;
  EXPECT_NE(text.find("status_topic"), std::string::npos) << text;  // the suggestion for the typo
}

}  // namespace
}  // namespace tgw::config
