// Config validation: every error kind, with exact messages.
#include <sys/stat.h>

#include <cstdlib>
#include <sstream>

#include <gtest/gtest.h>

#include "config/reader.hpp"
#include "support/support.hpp"
#include "tgw/config/loader.hpp"

namespace tgw::config {
namespace {

constexpr const char* kMinimal = R"(gateway:
  device_id: gw-1
  state_dir: /tmp/x
sources:
  - name: sim
    type: simulator
    vehicle: {rate_hz: 5}
profiles:
  dtg:
    signals:
      vehicle_speed: sim.vehicle.speed
)";

std::string errorsOf(const std::string& yaml) {
  Diagnostics diag;
  auto cfg = loadString(yaml, "gateway.yaml", diag);
  EXPECT_FALSE(cfg.has_value());
  // Errors only (warnings are tested separately).
  std::string out;
  std::istringstream in(diag.format());
  for (std::string line; std::getline(in, line);) {
    if (line.find(": warning: ") == std::string::npos) out += line + "\n";
  }
  return out;
}

// A serial port has one owner: two sources on one device, or the modem
// uplink on the modem source's port, are refused with both places named.
TEST(Config, OneOwnerPerSerialPort) {
  const std::string yaml = R"(gateway:
  device_id: gw-1
  state_dir: /tmp/x
uplink:
  url: mqtt://localhost:1883
  modem:
    device: /dev/ttyUSB2
    url: broker.example:1883
sources:
  - name: gps
    type: nmea
    device: /dev/ttyUSB2
  - name: modem
    type: modem
    device: /dev/ttyUSB2
  - name: gps2
    type: nmea
    device: /dev/ttyACM0
profiles:
  bess: {}
)";
  EXPECT_EQ(errorsOf(yaml),
            "gateway.yaml:7:13: uplink.modem.device: '/dev/ttyUSB2' is also used by source 'gps' (line 10): a serial "
            "port has one owner (it is locked when opened); give the uplink the modem's other AT port (a SIM7080 has "
            "several, e.g. /dev/ttyUSB2 and /dev/ttyUSB3)\n"
            "gateway.yaml:13:5: sources[1]: device '/dev/ttyUSB2' is also used by source 'gps' (line 10): a serial "
            "port has one owner (it is locked when opened); give each source its own port\n");
}

TEST(Config, MinimalLoadsWithDefaults) {
  Diagnostics diag;
  auto cfg = loadString(kMinimal, "gateway.yaml", diag);
  ASSERT_TRUE(cfg.has_value()) << diag.format();
  EXPECT_EQ(cfg->gateway.device_id, "gw-1");
  EXPECT_EQ(cfg->uplink.client_id, "gw-1");
  EXPECT_EQ(cfg->uplink.keepalive_s, 60);
  EXPECT_FALSE(cfg->uplink.clean_session);
  EXPECT_EQ(cfg->queue.path, "/tmp/x/queue.db");
  EXPECT_EQ(cfg->queue.max_messages, 10000);
  EXPECT_EQ(cfg->queue.ttl_s, 86400);
  EXPECT_EQ(cfg->queue.max_attempts, 3);
  EXPECT_TRUE(cfg->profiles.dtg.enabled);
  EXPECT_EQ(cfg->profiles.dtg.device_id, "gw-1");
  EXPECT_EQ(cfg->profiles.dtg.signals.at("vehicle_speed").signal, "sim.vehicle.speed");
  ASSERT_EQ(cfg->sources.size(), 1U);
  EXPECT_TRUE(cfg->sources[0].simulator.vehicle);
  EXPECT_FALSE(cfg->sources[0].simulator.battery);
  EXPECT_DOUBLE_EQ(cfg->sources[0].simulator.vehicle_rate_hz, 5.0);
}

TEST(Config, UnknownKeySuggestsClosest) {
  const std::string yaml = std::string(kMinimal) + "uplink:\n  keepalive: 30\n";
  EXPECT_EQ(errorsOf(yaml), "gateway.yaml:13:3: uplink.keepalive: unknown key (did you mean 'keepalive_s'?)\n");
}

TEST(Config, UnknownKeyWithoutCloseMatch) {
  const std::string yaml = std::string(kMinimal) + "uplink:\n  colour: blue\n";
  EXPECT_EQ(errorsOf(yaml), "gateway.yaml:13:3: uplink.colour: unknown key\n");
}

TEST(Config, UnknownTopLevelSection) {
  const std::string yaml = std::string(kMinimal) + "uplnk:\n  url: mqtt://x:1\n";
  EXPECT_EQ(errorsOf(yaml), "gateway.yaml:12:1: uplnk: unknown key (did you mean 'uplink'?)\n");
}

TEST(Config, WrongTypes) {
  const std::string yaml = std::string(kMinimal) +
                           "uplink:\n  keepalive_s: soon\n  clean_session: maybe\n  tls: [a, b]\n";
  EXPECT_EQ(errorsOf(yaml),
            "gateway.yaml:13:16: uplink.keepalive_s: expected an integer, got 'soon'\n"
            "gateway.yaml:14:18: uplink.clean_session: expected true or false, got 'maybe'\n"
            "gateway.yaml:15:8: uplink.tls: expected a mapping of keys, got a list\n");
}

TEST(Config, OutOfRange) {
  const std::string yaml = std::string(kMinimal) + "uplink:\n  keepalive_s: 0\nqueue:\n  max_attempts: 5000\n";
  EXPECT_EQ(errorsOf(yaml),
            "gateway.yaml:13:16: uplink.keepalive_s: 0 is out of range [1, 65535]\n"
            "gateway.yaml:15:17: queue.max_attempts: 5000 is out of range [1, 1000]\n");
}

TEST(Config, BadChoiceSuggests) {
  const std::string yaml = std::string(kMinimal) + "queue:\n  synchronous: ful\n";
  EXPECT_EQ(errorsOf(yaml),
            "gateway.yaml:13:16: queue.synchronous: 'ful' is not one of: normal, full (did you mean 'full'?)\n");
}

TEST(Config, MissingFileNamedWithKeyPath) {
  const std::string yaml = std::string(kMinimal) + "uplink:\n  url: mqtts://broker:8883\n  tls:\n    ca_file: /etc/x.pem\n";
  EXPECT_EQ(errorsOf(yaml), "gateway.yaml:15:14: uplink.tls.ca_file: file not found: /etc/x.pem\n");
}

TEST(Config, DirectoryGivenForFile) {
  const std::string yaml = std::string(kMinimal) + "uplink:\n  tls:\n    ca_file: /tmp\n";
  EXPECT_EQ(errorsOf(yaml), "gateway.yaml:14:14: uplink.tls.ca_file: is a directory, expected a file: /tmp\n");
}

TEST(Config, RequiredKeyMissing) {
  EXPECT_EQ(errorsOf("gateway:\n  state_dir: /x\nprofiles:\n  dtg: {}\n"),
            "gateway.yaml:2:3: gateway.device_id: required key is missing\n");
}

TEST(Config, MissingGatewaySection) {
  EXPECT_EQ(errorsOf("profiles:\n  dtg: {}\n"),
            "gateway.yaml: gateway: required section is missing (needs at least gateway.device_id)\n");
}

TEST(Config, NoProfileEnabled) {
  EXPECT_EQ(errorsOf("gateway:\n  device_id: a\n"),
            "gateway.yaml: profiles: no profile is enabled; enable at least one of dtg, bess, homesync\n");
}

TEST(Config, UnknownSignalSuggests) {
  std::string yaml = kMinimal;
  yaml.replace(yaml.find("sim.vehicle.speed"), 17, "sim.vehicle.sped");
  EXPECT_EQ(errorsOf(yaml),
            "gateway.yaml:11:22: profiles.dtg.signals.vehicle_speed: unknown signal 'sim.vehicle.sped' (source "
            "'sim' does not produce it) (did you mean 'sim.vehicle.speed'?)\n");
}

TEST(Config, SignalOfUnknownSource) {
  std::string yaml = kMinimal;
  yaml.replace(yaml.find("sim.vehicle.speed"), 17, "sin.vehicle.speed");
  EXPECT_EQ(errorsOf(yaml),
            "gateway.yaml:11:22: profiles.dtg.signals.vehicle_speed: signal 'sin.vehicle.speed' names no "
            "configured source ('sin' is not in sources:) (did you mean 'sim'?)\n");
}

TEST(Config, UnknownSourceType) {
  EXPECT_EQ(errorsOf("gateway: {device_id: a}\nsources:\n  - {name: x, type: simulater}\nprofiles: {dtg: {}}\n"),
            "gateway.yaml:3:21: sources[0].type: unknown source type 'simulater' (known: candump, modbus_rtu, "
            "modbus_tcp, modem, nmea, simulator, slcan, socketcan) (did you mean 'simulator'?)\n");
}

TEST(Config, DuplicateSourceName) {
  EXPECT_EQ(errorsOf("gateway: {device_id: a}\nsources:\n  - {name: x, type: simulator}\n"
                     "  - {name: x, type: simulator}\nprofiles: {dtg: {}}\n"),
            "gateway.yaml:4:12: sources[1].name: duplicate source name 'x'\n");
}

TEST(Config, InvalidTopicTemplates) {
  const std::string yaml = std::string(kMinimal) +
                           "    topics:\n      telemetry: glec/+/x\n      alerts: glec//x\n      status: a/{vin}/s\n";
  EXPECT_EQ(errorsOf(yaml),
            "gateway.yaml:13:18: profiles.dtg.topics.telemetry: wildcards '+' and '#' are not allowed in a topic "
            "to publish to\n"
            "gateway.yaml:14:15: profiles.dtg.topics.alerts: topic has an empty level ('//', or '/' at the start or "
            "end)\n"
            "gateway.yaml:15:15: profiles.dtg.topics.status: unknown placeholder {vin} (allowed here: "
            "{device_id})\n");
}

TEST(Config, InflightWindowMustStayBelowPahoWindow) {
  const std::string yaml = std::string(kMinimal) + "uplink:\n  inflight_window: 40\n  max_inflight: 32\n";
  EXPECT_EQ(errorsOf(yaml),
            "gateway.yaml:13:20: uplink.inflight_window: must be smaller than max_inflight (32): Paho stalls ~1 s "
            "per message when its own window is full\n");
}

TEST(Config, BadUrl) {
  const std::string yaml = std::string(kMinimal) + "uplink:\n  url: http://x\n";
  EXPECT_EQ(errorsOf(yaml),
            "gateway.yaml:13:8: uplink.url: 'http://x' is not a broker URL (mqtt://host:1883, mqtts://host:8883, "
            "ws://host:port/path, wss://host:port/path)\n");
}

TEST(Config, AllErrorsReportedAtOnce) {
  // Twenty-one mistakes, twenty-one errors: all reported, not just the first.
  const std::string yaml = R"(gateway:
  device_id: gw
  colour: red
logging:
  level: loud
  output: printer
uplink:
  url: ftp://x
  protocol: 4
  keepalive_s: -1
  clean_session: 7
  connect_timeout_s: big
  inflight_window: x
  reconnect:
    initial_delay_ms: 1
    jitter: 3
    max: 1
queue:
  max_messages: 0
  ttl_s: never
  telemetry_persistence: sometimes
  commit_window_ms: -5
  synchronous: off
  size: 3
sources: {}
profiles:
  dtg:
    enabled: perhaps
    telemetry_interval_ms: 1
)";
  Diagnostics diag;
  auto cfg = loadString(yaml, "gateway.yaml", diag);
  ASSERT_FALSE(cfg.has_value());
  EXPECT_EQ(diag.errorCount(), 21U) << diag.format();
  EXPECT_NE(cfg.error().message.find("21 error(s) in gateway.yaml"), std::string::npos);
}

TEST(Config, EmptyFile) {
  EXPECT_EQ(errorsOf(""),
            "gateway.yaml: the file is empty; start from /usr/share/doc/telemetry-gateway/examples or config/*.yaml\n");
}

TEST(Config, NotYaml) {
  EXPECT_EQ(errorsOf("gateway: [unclosed\n"), "gateway.yaml:2:1: not valid YAML: end of sequence flow not found\n");
}

TEST(Config, NotAMapping) {
  EXPECT_EQ(errorsOf("- just\n- a list\n"),
            "gateway.yaml:1:1: expected a mapping at the top level (gateway:, uplink:, queue:, sources:, "
            "profiles:)\n");
}

TEST(Config, MissingFile) {
  Diagnostics diag;
  EXPECT_FALSE(loadFile("/nonexistent/gw.yaml", diag).has_value());
  EXPECT_EQ(diag.format(),
            "/nonexistent/gw.yaml: file not found; give the path of a YAML config (e.g. "
            "/etc/telemetry-gateway/gateway.yaml)\n");
}

TEST(Config, DirectoryInsteadOfFile) {
  test::TempDir dir;
  Diagnostics diag;
  EXPECT_FALSE(loadFile(dir.path().string(), diag).has_value());
  EXPECT_EQ(diag.format(), dir.path().string() +
                               ": is a directory, expected a YAML file (e.g. /etc/telemetry-gateway/gateway.yaml)\n");
}

TEST(Config, UnreadableFile) {
  if (::geteuid() == 0) {
    // root reads everything; use a path that cannot be opened as a file instead.
    Diagnostics diag;
    EXPECT_FALSE(loadFile("/proc/self/mem", diag).has_value());
    EXPECT_TRUE(diag.hasErrors());
    return;
  }
  test::TempDir dir;
  const std::string path = dir.write("gw.yaml", kMinimal);
  ::chmod(path.c_str(), 0);
  Diagnostics diag;
  EXPECT_FALSE(loadFile(path, diag).has_value());
  EXPECT_EQ(diag.format(), path + ": cannot read: Permission denied\n");
}

TEST(Config, SecretsFromFileAndEnvironment) {
  test::TempDir dir;
  const std::string pw = dir.write("pw", "s3cret\n");
  ::setenv("TGW_TEST_PW", "from-env", 1);
  {
    Diagnostics diag;
    auto cfg = loadString(std::string(kMinimal) + "uplink:\n  password_file: " + pw + "\n", "g.yaml", diag);
    ASSERT_TRUE(cfg.has_value()) << diag.format();
    EXPECT_EQ(cfg->uplink.password.resolve().value(), "s3cret");
  }
  {
    Diagnostics diag;
    auto cfg = loadString(std::string(kMinimal) + "uplink:\n  password: ${TGW_TEST_PW}\n", "g.yaml", diag);
    ASSERT_TRUE(cfg.has_value()) << diag.format();
    EXPECT_EQ(cfg->uplink.password.env, "TGW_TEST_PW");
    EXPECT_EQ(cfg->uplink.password.resolve().value(), "from-env");
    ::setenv("TGW_TEST_PW", "rotated", 1);
    EXPECT_EQ(cfg->uplink.password.resolve().value(), "rotated");  // read at every use
  }
  EXPECT_EQ(errorsOf(std::string(kMinimal) + "uplink:\n  password_file: /nonexistent/pw\n"),
            "gateway.yaml:13:18: uplink.password_file: cannot read /nonexistent/pw: No such file or directory\n");
}

TEST(Config, UnsetEnvironmentSecretIsAWarning) {
  ::unsetenv("TGW_TEST_UNSET");
  Diagnostics diag;
  auto cfg = loadString(std::string(kMinimal) + "uplink:\n  password: ${TGW_TEST_UNSET}\n", "g.yaml", diag);
  ASSERT_TRUE(cfg.has_value());
  EXPECT_EQ(diag.format(),
            "g.yaml:13:13: warning: uplink.password: environment variable TGW_TEST_UNSET is not set now; it is read "
            "again at every use\n");
  EXPECT_FALSE(cfg->uplink.password.resolve().has_value());
}

TEST(Config, ClosestMatch) {
  EXPECT_EQ(closestMatch("keepalive", {"keepalive_s", "url"}).value(), "keepalive_s");
  EXPECT_FALSE(closestMatch("zzzzzz", {"keepalive_s", "url"}).has_value());
}

TEST(Config, ExampleConfigsAreValid) {
  for (const char* name : {"config/demo.yaml", "config/dtg.yaml", "config/bess.yaml", "config/homesync.yaml"}) {
    Diagnostics diag;
    auto cfg = loadFile(test::sourcePath(name), diag);
    EXPECT_TRUE(cfg.has_value()) << name << "\n" << diag.format();
  }
}

}  // namespace
}  // namespace tgw::config
