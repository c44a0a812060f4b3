#include <gtest/gtest.h>

#include "support/support.hpp"
#include "tgw/config/catalog.hpp"
#include "tgw/config/loader.hpp"

namespace tgw::config {
namespace {

std::string dbcPath(const std::string& f) { return test::sourcePath("tests/data/can/" + f); }

std::string yaml(const std::string& sources, const std::string& dtg_speed = "truck.CCVS1.WheelBasedVehicleSpeed") {
  return "gateway:\n  device_id: gw-1\n  state_dir: /tmp/x\nsources:\n" + sources +
         "profiles:\n  dtg:\n    signals:\n      vehicle_speed: " + dtg_speed + "\n";
}

TEST(CanConfig, SocketcanJ1939WithDbc) {
  Diagnostics diag;
  auto cfg = loadString(yaml("  - name: truck\n    type: socketcan\n    interface: can0\n    fd: true\n"
                             "    decoders: [j1939, obd2]\n    dbc_files: [" + dbcPath("css_j1939_demo.dbc") + "]\n"
                             "    obd2: {interval_ms: 500, pids: [0x0C, 13]}\n"),
                        "gateway.yaml", diag);
  ASSERT_TRUE(cfg.has_value()) << diag.format();
  const auto& c = cfg->sources.at(0).can;
  EXPECT_EQ(c.interface, "can0");
  EXPECT_TRUE(c.fd);
  EXPECT_TRUE(c.j1939);
  EXPECT_FALSE(c.dbc);
  EXPECT_TRUE(c.obd2.enabled);
  EXPECT_EQ(c.obd2.pids, (std::vector<int>{0x0C, 0x0D}));
  EXPECT_EQ(c.obd2.interval_ms, 500);
  auto names = signalCatalog(cfg->sources.at(0));
  ASSERT_TRUE(names.has_value());
  for (const char* n : {"truck.EEC1.EngineSpeed", "truck.EEC2.AccelPedalPos1", "truck.DD1.FuelLevel1",
                        "truck.LFE1.EngineFuelRate", "truck.obd2.engine_rpm"}) {
    EXPECT_NE(std::find(names->begin(), names->end(), n), names->end()) << n;
  }
}

TEST(CanConfig, UnknownSignalAndDecoderAreErrors) {
  Diagnostics diag;
  auto cfg = loadString(yaml("  - name: truck\n    type: candump\n    file: " + dbcPath("j1939_truck.candump") +
                                 "\n    decoders: [j1939, obd]\n    signals: [EEC1.EngineSped]\n",
                             "truck.CCVS1.WheelSpeed"),
                        "gateway.yaml", diag);
  EXPECT_FALSE(cfg.has_value());
  const std::string text = diag.format();
  EXPECT_NE(text.find("unknown decoder 'obd'"), std::string::npos) << text;
  EXPECT_NE(text.find("did you mean 'obd2'"), std::string::npos) << text;
  EXPECT_NE(text.find("no configured decoder produces signal 'EEC1.EngineSped'"), std::string::npos) << text;
  EXPECT_NE(text.find("did you mean 'EEC1.EngineSpeed'"), std::string::npos) << text;
  EXPECT_NE(text.find("profiles.dtg.signals.vehicle_speed"), std::string::npos) << text;
}

TEST(CanConfig, MalformedDbcNamesTheDbcLine) {
  test::TempDir dir;
  const std::string bad = dir.write("bad.dbc", "VERSION \"\"\n\nBO_ 100 A: 8 X\n SG_ S : 0|8@1+ (1,0) [0|0] \"\" X\n"
                                               " SG_ T : 8|8@1+ (1,0 [0|0] \"\" X\n");
  Diagnostics diag;
  auto cfg = loadString(yaml("  - name: truck\n    type: slcan\n    port: /dev/ttyACM7\n    bitrate: 250000\n"
                             "    dbc_files: [" + bad + "]\n", "truck.A.S"),
                        "gateway.yaml", diag);
  EXPECT_FALSE(cfg.has_value());
  const std::string text = diag.format();
  EXPECT_NE(text.find(bad + ":5: malformed SG_ T"), std::string::npos) << text;
  EXPECT_NE(text.find("gateway.yaml:"), std::string::npos) << text;
}

TEST(CanConfig, SlcanBitrateAndMissingFiles) {
  Diagnostics diag;
  auto cfg = loadString(yaml("  - name: truck\n    type: slcan\n    port: /dev/ttyACM0\n    bitrate: 333000\n"
                             "    dbc_files: [/nonexistent/x.dbc]\n  - name: rec\n    type: candump\n    file: /nonexistent.log\n",
                             "truck.X.Y"),
                        "gateway.yaml", diag);
  EXPECT_FALSE(cfg.has_value());
  const std::string text = diag.format();
  EXPECT_NE(text.find("bitrate 333000 has no slcan code"), std::string::npos) << text;
  EXPECT_NE(text.find("DBC file /nonexistent/x.dbc: cannot open"), std::string::npos) << text;
  EXPECT_NE(text.find("file not found: /nonexistent.log"), std::string::npos) << text;
}

TEST(CanConfig, BmsAndSelectionCatalog) {
  Diagnostics diag;
  auto cfg = loadString(yaml("  - name: truck\n    type: candump\n    file: " + dbcPath("j1939_truck.candump") +
                             "\n    pace: fast\n    loop: true\n    decoders: [j1939]\n"
                             "    signals: [CCVS1.*]\n"),
                        "gateway.yaml", diag);
  ASSERT_TRUE(cfg.has_value()) << diag.format();
  EXPECT_EQ(cfg->sources[0].can.pace, "fast");
  EXPECT_TRUE(cfg->sources[0].can.loop);
  auto names = signalCatalog(cfg->sources[0]);
  ASSERT_TRUE(names);
  EXPECT_EQ(*names, (std::vector<std::string>{"truck.CCVS1.WheelBasedVehicleSpeed"}));
}

}  // namespace
}  // namespace tgw::config
