// `telemetry-gateway status` and `tail` against the real daemon on a private
// dbus-daemon (the project's policy) with a real broker; and the clear
// exit 3 when there is no daemon, no bus, or the policy refuses.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "private_bus.hpp"
#include "support/mosquitto.hpp"
#include "support/support.hpp"

namespace tgw::test {
namespace {

using nlohmann::json;
using std::chrono::seconds;

int cli(const std::vector<std::string>& args, std::string* out, std::chrono::milliseconds timeout = seconds(20)) {
  std::vector<std::string> argv = {binaryPath("telemetry-gateway")};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, out, timeout);
}

std::string homesyncConfig(const TempDir& dir, const Mosquitto& broker) {
  return dir.write("gw.yaml", "gateway:\n  device_id: gw-1\n  state_dir: " + dir.path().string() +
                                  "\nuplink:\n  url: " + broker.url() +
                                  "\nsources:\n  - name: sim\n    type: simulator\n    meter_rate_hz: 10\n"
                                  "    meters:\n      - node_id: kitchen\n        base_power_w: 850\n"
                                  "profiles:\n  homesync:\n    enabled: true\n    home_id: h1\n"
                                  "    telemetry_interval_ms: 200\n    nodes:\n      - node_id: kitchen\n"
                                  "        metrics:\n          power: sim.meter.kitchen.power\n"
                                  "          energy: sim.meter.kitchen.energy\n");
}

TEST(StatusCommand, NoDaemonIsExit3WithAClearMessage) {
  PrivateBus bus;
  std::string out;
  EXPECT_EQ(cli({"status", "--bus", bus.address()}, &out), 3) << out;
  EXPECT_NE(out.find("telemetry-gateway is not running"), std::string::npos) << out;
  EXPECT_EQ(cli({"tail", "--bus", bus.address()}, &out), 3) << out;
  EXPECT_NE(out.find("telemetry-gateway is not running"), std::string::npos) << out;
  // The system bus from the environment, as systemd's users would have it.
  EXPECT_EQ(run({"env", "DBUS_SYSTEM_BUS_ADDRESS=" + bus.address(), binaryPath("telemetry-gateway"), "status"}, &out,
                seconds(20)),
            3)
      << out;
  EXPECT_NE(out.find("not running"), std::string::npos) << out;
}

TEST(StatusCommand, NoBusIsExit3) {
  TempDir dir;
  std::string out;
  EXPECT_EQ(cli({"status", "--bus", "unix:path=" + dir.file("no-such-bus")}, &out), 3) << out;
  EXPECT_NE(out.find("cannot connect to the bus"), std::string::npos) << out;
  EXPECT_EQ(cli({"tail", "--bus", "unix:path=" + dir.file("no-such-bus")}, &out), 3) << out;
}

TEST(StatusCommand, ABusThatNeverAnswersIsExit3NotAHang) {
  // A socket that accepts connections (backlog) but never speaks D-Bus.
  TempDir dir;
  const std::string path = dir.file("stuck-bus");
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(fd, 8), 0);
  std::string out;
  // run() gives up after 20 s (-1): the command itself stops after its 5 s timeout.
  EXPECT_EQ(cli({"status", "--bus", "unix:path=" + path}, &out, seconds(20)), 3) << out;
  EXPECT_NE(out.find("no answer within 5000 ms"), std::string::npos) << out;
  ::close(fd);
}

TEST(StatusCommand, BadTopicFilterIsAUsageError) {
  std::string out;
  EXPECT_EQ(cli({"tail", "--topic", "homesync/#/power"}, &out), 64) << out;
  EXPECT_EQ(cli({"tail", "--class", "nope"}, &out), 64) << out;
}

TEST(StatusCommand, PolicyRefusalIsExit3) {
  // A bus whose policy lets the daemon own its name but nobody read it.
  PrivateBus bus(R"(<busconfig><policy user="root"><allow own="io.telemetrygateway.Gateway1"/></policy></busconfig>)");
  Mosquitto broker;
  TempDir dir;
  Process gw({binaryPath("telemetry-gateway"), "run", "--config", homesyncConfig(dir, broker)},
             {{"DBUS_SYSTEM_BUS_ADDRESS", bus.address()}});
  ASSERT_TRUE(waitFor([&] { return gw.output().find("D-Bus API on the") != std::string::npos; }, seconds(20)))
      << gw.output();
  std::string out;
  EXPECT_EQ(cli({"status", "--bus", bus.address()}, &out), 3) << out;
  EXPECT_NE(out.find("D-Bus policy does not allow"), std::string::npos) << out;
  gw.signal(SIGTERM);
  EXPECT_EQ(gw.wait(seconds(15)), 0) << gw.output();
}

TEST(StatusCommand, StatusAndTailFromTheRealDaemon) {
  PrivateBus bus;
  Mosquitto broker;
  TempDir dir;
  Process gw({binaryPath("telemetry-gateway"), "run", "--config", homesyncConfig(dir, broker)},
             {{"DBUS_SYSTEM_BUS_ADDRESS", bus.address()}});

  // status --json: connected, the source online, something acknowledged.
  std::string out;
  json status;
  ASSERT_TRUE(waitFor(
      [&] {
        if (cli({"status", "--json", "--bus", bus.address()}, &out) != 0) return false;
        status = json::parse(out);
        return status["uplink"]["state"] == "connected" && status["uplink"]["last_ack_age_ms"].get<int>() >= 0 &&
               !status["sources"].empty() && status["sources"][0]["state"] == "online" &&
               status["sources"][0]["last_reading_age_ms"].get<int>() >= 0;
      },
      seconds(20)))
      << out << "\n"
      << gw.output();
  EXPECT_EQ(status["uplink"]["broker"], broker.url());
  EXPECT_EQ(status["sources"][0]["name"], "sim");
  EXPECT_GE(status["sources"][0]["readings"].get<int>(), 1);
  EXPECT_TRUE(status["queue"].contains("depth"));
  EXPECT_TRUE(status["queue"].contains("bytes"));
  EXPECT_TRUE(status["queue"]["drops"].is_object());
  EXPECT_EQ(status["commands"]["executed"], 0);
  EXPECT_EQ(status["commands"]["rejected"], 0);

  // The readable summary.
  ASSERT_EQ(cli({"status", "--bus", bus.address()}, &out), 0) << out;
  EXPECT_NE(out.find("Uplink    connected " + broker.url()), std::string::npos) << out;
  EXPECT_NE(out.find("last publish acknowledged"), std::string::npos) << out;
  EXPECT_NE(out.find("Sources   sim (simulator) online for"), std::string::npos) << out;
  EXPECT_NE(out.find("Commands  0 executed, 0 rejected"), std::string::npos) << out;

  // tail: only the kitchen power telemetry, three messages, JSON lines.
  ASSERT_EQ(cli({"tail", "--bus", bus.address(), "--class", "telemetry", "--topic",
                 "homesync/+/nodes/kitchen/telemetry/power", "-n", "3", "--json"},
                &out, seconds(20)),
            0)
      << out;
  int lines = 0;
  for (std::size_t pos = 0, nl; (nl = out.find('\n', pos)) != std::string::npos; pos = nl + 1) {
    const std::string line = out.substr(pos, nl - pos);
    if (line.empty() || line[0] != '{') continue;  // notes on stderr share the capture
    const auto j = json::parse(line);
    if (j.contains("skipped")) continue;
    EXPECT_EQ(j["class"], "telemetry");
    EXPECT_EQ(j["topic"], "homesync/h1/nodes/kitchen/telemetry/power");
    EXPECT_EQ(j["qos"], 0);
    EXPECT_GT(j["size"].get<int>(), 10);
    EXPECT_EQ(json::parse(j["payload"].get<std::string>())["unit"], "W");
    ++lines;
  }
  EXPECT_EQ(lines, 3) << out;

  // Text lines; a filter nothing matches ends by --seconds.
  ASSERT_EQ(cli({"tail", "--bus", bus.address(), "--topic", "homesync/#", "-n", "2"}, &out), 0) << out;
  EXPECT_NE(out.find(" telemetry q0 "), std::string::npos) << out;
  EXPECT_NE(out.find(" homesync/h1/nodes/kitchen/telemetry/"), std::string::npos) << out;
  ASSERT_EQ(cli({"tail", "--bus", bus.address(), "--class", "alarm", "--seconds", "0.5"}, &out), 0) << out;
  EXPECT_EQ(out.find(" alarm "), std::string::npos) << out;

  // A tail that is running when the daemon stops says so and keeps waiting.
  Process follower({binaryPath("telemetry-gateway"), "tail", "--bus", bus.address(), "--class", "status"});
  ASSERT_TRUE(waitFor([&] { return follower.output().find("following") != std::string::npos; }, seconds(10)))
      << follower.output();
  gw.signal(SIGTERM);
  EXPECT_EQ(gw.wait(seconds(15)), 0) << gw.output();
  EXPECT_TRUE(waitFor([&] { return follower.output().find("left the bus") != std::string::npos; }, seconds(10)))
      << follower.output();
  follower.signal(SIGTERM);
  EXPECT_NE(follower.wait(seconds(5)), -1);

  // Daemon gone: exit 3 again.
  EXPECT_EQ(cli({"status", "--bus", bus.address()}, &out), 3) << out;
}

}  // namespace
}  // namespace tgw::test
