// The real binary, end to end: CLI, config errors, stdout mode, signals,
// and the demo config against a real mosquitto.
#include <signal.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/mosquitto.hpp"
#include "support/support.hpp"

namespace tgw::test {
namespace {

std::string gateway() { return binaryPath("telemetry-gateway"); }

std::string demoConfig(const TempDir& dir, const std::string& uplink_lines, double vehicle_rate = 10) {
  std::string text = readFile(sourcePath("config/demo.yaml"));
  text = std::regex_replace(text, std::regex("state_dir: /tmp/telemetry-gateway-demo"),
                            "state_dir: " + dir.path().string());
  text = std::regex_replace(text, std::regex("uplink:\\n  type: mqtt[^\\n]*\\n  url: [^\\n]*\\n"),
                            "uplink:\n" + uplink_lines);
  text = std::regex_replace(text, std::regex("rate_hz: 10"), "rate_hz: " + std::to_string(vehicle_rate));
  return dir.write("gateway.yaml", text);
}

int runGateway(const std::vector<std::string>& args, std::string* out) {
  std::vector<std::string> argv = {gateway()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, out, std::chrono::seconds(60));
}

void expectNoCrashText(const std::string& out) {
  EXPECT_EQ(out.find("terminate called"), std::string::npos) << out;
  EXPECT_EQ(out.find("Aborted"), std::string::npos) << out;
  EXPECT_EQ(out.find("AddressSanitizer"), std::string::npos) << out;
  EXPECT_EQ(out.find("runtime error"), std::string::npos) << out;
}

TEST(Daemon, VersionAndHelp) {
  std::string out;
  EXPECT_EQ(runGateway({"version"}, &out), 0);
  EXPECT_NE(out.find("telemetry-gateway 0."), std::string::npos) << out;
  EXPECT_NE(out.find("Paho MQTT C 1.3"), std::string::npos) << out;
  EXPECT_EQ(runGateway({"--help"}, &out), 0);
  EXPECT_NE(out.find("check-config"), std::string::npos);
  EXPECT_EQ(runGateway({"frobnicate"}, &out), 64);
}

TEST(Daemon, CheckConfigAcceptsTheExamples) {
  for (const char* name : {"config/demo.yaml", "config/dtg.yaml", "config/bess.yaml", "config/homesync.yaml"}) {
    std::string out;
    EXPECT_EQ(runGateway({"check-config", sourcePath(name)}, &out), 0) << out;
    EXPECT_NE(out.find(": OK (device"), std::string::npos) << out;
  }
}

TEST(Daemon, BadConfigFilesExit78WithClearMessage) {
  TempDir dir;
  struct Case {
    std::string path;
    std::string expected;
  };
  std::vector<Case> cases = {
      {dir.file("missing.yaml"), "missing.yaml: file not found"},
      {dir.path().string(), "is a directory, expected a YAML file"},
      {dir.write("empty.yaml", ""), "empty.yaml: the file is empty"},
      {dir.write("binary.yaml", std::string("\x00\x01\x02{[", 5)), "not valid YAML"},
      {dir.write("list.yaml", "- a\n- b\n"), "expected a mapping at the top level"},
      {dir.write("typo.yaml", "gateway: {device_id: x}\nprofiles: {dtg: {}}\nuplink: {keepalive: 3}\n"),
       "typo.yaml:3:10: uplink.keepalive: unknown key (did you mean 'keepalive_s'?)"},
  };
  for (const auto& c : cases) {
    for (const char* cmd : {"check-config", "run"}) {
      std::string out;
      std::vector<std::string> args = {cmd};
      if (std::string(cmd) == "run") args.push_back("--config");
      args.push_back(c.path);
      EXPECT_EQ(runGateway(args, &out), 78) << cmd << " " << c.path << "\n" << out;
      EXPECT_NE(out.find(c.expected), std::string::npos) << out;
      EXPECT_NE(out.find("nothing was started"), std::string::npos) << out;
      expectNoCrashText(out);
    }
  }
}

TEST(Daemon, TwentyMistakesAllReported) {
  TempDir dir;
  std::string yaml = "gateway:\n  device_id: x\n  colour: 1\nprofiles:\n  dtg: {}\nuplink:\n";
  for (int i = 0; i < 19; ++i) yaml += "  bogus_key_" + std::to_string(i) + ": 1\n";
  std::string out;
  EXPECT_EQ(runGateway({"check-config", dir.write("many.yaml", yaml)}, &out), 78);
  EXPECT_NE(out.find("20 error(s)"), std::string::npos) << out;
  EXPECT_NE(out.find("many.yaml:25:3: uplink.bogus_key_18: unknown key"), std::string::npos) << out;
}

TEST(Daemon, StdoutModeProducesAllThreeProfilesAndStopsCleanly) {
  TempDir dir;
  const std::string cfg = demoConfig(dir, "  type: stdout\n");
  std::string out;
  EXPECT_EQ(runGateway({"run", "--config", cfg, "--seconds", "6"}, &out), 0) << out;
  expectNoCrashText(out);
  std::set<std::string> topics;
  std::istringstream in(out);
  int json_lines = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] != '{') continue;
    auto j = nlohmann::json::parse(line);
    ++json_lines;
    topics.insert(j["topic"].get<std::string>());
    EXPECT_TRUE(j["payload"].is_object()) << line;
  }
  EXPECT_GT(json_lines, 10) << out;
  EXPECT_TRUE(topics.count("glec/dtg/demo-gw-01/telemetry")) << out;
  EXPECT_TRUE(topics.count("bess/telemetry")) << out;
  EXPECT_TRUE(topics.count("homesync/demo-home/nodes/kitchen/telemetry/power")) << out;
  EXPECT_NE(out.find("stopped cleanly"), std::string::npos) << out;
}

TEST(Daemon, SigtermStopsCleanly) {
  TempDir dir;
  const std::string cfg = demoConfig(dir, "  type: stdout\n");
  Process p({gateway(), "run", "--config", cfg});
  ASSERT_TRUE(waitFor([&] { return p.output().find("running: device demo-gw-01") != std::string::npos; }))
      << p.output();
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(std::chrono::seconds(10)), 0) << p.output();
  EXPECT_NE(p.output().find("SIGTERM: stopping"), std::string::npos);
  EXPECT_NE(p.output().find("stopped cleanly"), std::string::npos);
}

TEST(Daemon, SighupRejectsBadConfigAndKeepsRunning) {
  TempDir dir;
  const std::string cfg = demoConfig(dir, "  type: stdout\n");
  Process p({gateway(), "run", "--config", cfg});
  ASSERT_TRUE(waitFor([&] { return p.output().find("running: device") != std::string::npos; })) << p.output();
  const std::string good = readFile(cfg);
  { std::ofstream(cfg) << "gateway: [broken\n"; }
  p.signal(SIGHUP);
  ASSERT_TRUE(waitFor([&] { return p.output().find("new configuration rejected") != std::string::npos; }))
      << p.output();
  EXPECT_TRUE(p.running());
  { std::ofstream(cfg) << good; }
  p.signal(SIGHUP);
  ASSERT_TRUE(waitFor([&] { return p.output().find("reloaded: logging applied") != std::string::npos; }))
      << p.output();
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(std::chrono::seconds(10)), 0);
}

TEST(Daemon, SighupRestartsOnlyChangedSourcesAndKeepsTheSession) {
  Mosquitto broker;
  TempDir dir;
  const auto write = [&](const std::string& second_seed) {
    return dir.write("gw.yaml", "gateway:\n  device_id: gw-r\n  state_dir: " + dir.path().string() +
                                    "\nuplink:\n  url: " + broker.url() +
                                    "\nsources:\n"
                                    "  - {name: car, type: simulator, vehicle: {rate_hz: 5}}\n"
                                    "  - {name: home, type: simulator, seed: " + second_seed +
                                    ", meters: [{node_id: n1}]}\n"
                                    "profiles:\n  dtg:\n    signals: {vehicle_speed: car.vehicle.speed}\n");
  };
  const std::string cfg = write("1");
  Process p({gateway(), "run", "--config", cfg});
  ASSERT_TRUE(waitFor([&] { return p.output().find("connected to") != std::string::npos; }, std::chrono::seconds(20)))
      << p.output();
  write("2");  // only the second source changes
  p.signal(SIGHUP);
  ASSERT_TRUE(waitFor([&] { return p.output().find("reloaded: logging applied") != std::string::npos; }))
      << p.output();
  const std::string out = p.output();
  EXPECT_NE(out.find("sources: 1 kept, 1 (re)started, 0 stopped; the MQTT session is kept"), std::string::npos) << out;
  EXPECT_NE(out.find("SIGHUP: source 'home' (simulator) started"), std::string::npos) << out;
  EXPECT_EQ(out.find("SIGHUP: source 'car'"), std::string::npos) << out;
  // A profile change is reported as needing a restart.
  std::string text = readFile(cfg);
  text.replace(text.find("signals:"), 8, "telemetry_interval_ms: 2000\n    signals:");
  dir.write("gw.yaml", text);
  p.signal(SIGHUP);
  ASSERT_TRUE(waitFor([&] { return p.output().find("changes in profiles take effect at the next restart") !=
                                   std::string::npos; }))
      << p.output();
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(std::chrono::seconds(15)), 0) << p.output();
  // One connection for the whole run: reloads never touched the session.
  const std::string all = p.output();
  std::size_t connects = 0;
  for (std::size_t pos = 0; (pos = all.find("[uplink] connected to", pos)) != std::string::npos; ++pos) ++connects;
  EXPECT_EQ(connects, 1U) << all;
}

TEST(Daemon, DemoAgainstRealBroker) {
  Mosquitto broker;
  Subscriber sub(broker.port(), "#", 1);
  TempDir dir;
  const std::string cfg = demoConfig(dir, "  type: mqtt\n  url: " + broker.url() + "\n");
  Process p({gateway(), "run", "--config", cfg});
  ASSERT_TRUE(sub.waitForText("glec/dtg/demo-gw-01/telemetry", std::chrono::seconds(20))) << p.output();
  ASSERT_TRUE(sub.waitForText("bess/telemetry", std::chrono::seconds(20))) << p.output();
  ASSERT_TRUE(sub.waitForText("homesync/demo-home/nodes/heatpump/telemetry/energy", std::chrono::seconds(20)))
      << p.output();
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(std::chrono::seconds(15)), 0) << p.output();
  expectNoCrashText(p.output());
  // Clean stop: the retained status says offline because of a shutdown.
  const auto retained_status = retained(broker.port(), "bess/status/connection");
  ASSERT_EQ(retained_status.size(), 1U);
  EXPECT_NE(retained_status[0].find("\"online\":false"), std::string::npos) << retained_status[0];
}

TEST(Daemon, KilledGatewayLeavesRetainedWill) {
  Mosquitto broker;
  TempDir dir;
  const std::string cfg = demoConfig(dir, "  type: mqtt\n  url: " + broker.url() + "\n  keepalive_s: 1\n");
  Process p({gateway(), "run", "--config", cfg});
  ASSERT_TRUE(waitFor(
      [&] {
        auto r = retained(broker.port(), "glec/dtg/demo-gw-01/status");
        return !r.empty() && r[0].find("ONLINE") != std::string::npos;
      },
      std::chrono::seconds(20)))
      << p.output();
  p.kill();
  ASSERT_TRUE(waitFor(
      [&] {
        auto r = retained(broker.port(), "glec/dtg/demo-gw-01/status");
        return !r.empty() && r[0].find("unexpected_disconnect") != std::string::npos;
      },
      std::chrono::seconds(20)));
}

}  // namespace
}  // namespace tgw::test
