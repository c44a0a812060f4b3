// The D-Bus API of the real daemon, end to end: a private dbus-daemon with
// the project's policy, the real binary, a real broker, busctl as the
// client. An on-device app publishes a dtg inference and the backend sees it.
#include <signal.h>

#include <regex>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "private_bus.hpp"
#include "support/mosquitto.hpp"
#include "support/support.hpp"

namespace tgw::test {
namespace {

const std::string kDest = "io.telemetrygateway.Gateway1";
const std::string kPath = "/io/telemetrygateway/Gateway1";

int busctl(const PrivateBus& bus, const std::vector<std::string>& args, std::string* out) {
  std::vector<std::string> argv = {"busctl", "--address=" + bus.address()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, out, std::chrono::seconds(30));
}

TEST(DaemonDbus, PublishInferenceAndReadPropertiesFromTheRealDaemon) {
  PrivateBus bus;
  Mosquitto broker;
  Subscriber sub(broker.port(), "glec/#", 1);
  TempDir dir;
  const std::string cfg = dir.write("gw.yaml", "gateway:\n  device_id: truck-1\n  state_dir: " +
                                                   dir.path().string() + "\nuplink:\n  url: " + broker.url() +
                                                   "\nprofiles:\n  dtg: {}\n");
  Process gw({binaryPath("telemetry-gateway"), "run", "--config", cfg},
             {{"DBUS_SYSTEM_BUS_ADDRESS", bus.address()}});
  std::string out;
  ASSERT_TRUE(waitFor(
      [&] {
        return busctl(bus, {"get-property", kDest, kPath, kDest, "ConnectionState"}, &out) == 0 &&
               out.find("connected") != std::string::npos;
      },
      std::chrono::seconds(20)))
      << out << "\n" << gw.output();

  const std::string inference =
      R"({"behavior":"drowsy","confidence":0.93,"safety_score":71,"fuel_efficiency":8.4,"latency_ms":12})";
  ASSERT_EQ(busctl(bus, {"call", kDest, kPath, kDest, "Publish", "ss", "inference", inference}, &out), 0)
      << out << gw.output();
  std::smatch m;
  ASSERT_TRUE(std::regex_search(out, m, std::regex("^t ([0-9]+)"))) << out;
  const std::string seq = m[1];
  ASSERT_TRUE(sub.waitForText("glec/dtg/truck-1/inference", std::chrono::seconds(10))) << gw.output();
  bool found = false;
  for (const auto& line : sub.lines()) {
    if (line.rfind("glec/dtg/truck-1/inference ", 0) != 0) continue;
    auto j = nlohmann::json::parse(line.substr(line.find(' ') + 1));
    EXPECT_EQ(j["behavior"], "drowsy");
    EXPECT_EQ(std::to_string(j["seq"].get<std::uint64_t>()), seq);  // the seq Publish returned
    found = true;
  }
  EXPECT_TRUE(found);

  // A class no profile takes from local apps, and bad JSON: clear D-Bus errors.
  EXPECT_NE(busctl(bus, {"call", kDest, kPath, kDest, "Publish", "ss", "alert", "{}"}, &out), 0);
  EXPECT_NE(out.find("not accepted from local applications"), std::string::npos) << out;
  EXPECT_NE(busctl(bus, {"call", kDest, kPath, kDest, "Publish", "ss", "inference", "{nope"}, &out), 0);
  EXPECT_NE(busctl(bus, {"call", kDest, kPath, kDest, "Publish", "ss", "inference", R"({"behavior":""})"}, &out), 0);
  EXPECT_NE(out.find("dtg inference rejected"), std::string::npos) << out;

  EXPECT_EQ(busctl(bus, {"call", kDest, kPath, kDest, "Flush"}, &out), 0) << out;
  EXPECT_EQ(busctl(bus, {"get-property", kDest, kPath, kDest, "Broker"}, &out), 0);
  EXPECT_NE(out.find(broker.url()), std::string::npos) << out;
  EXPECT_EQ(busctl(bus, {"call", kDest, kPath, kDest, "Reconnect"}, &out), 0) << out;
  ASSERT_TRUE(waitFor([&] { return gw.output().find("connected to") != gw.output().rfind("connected to"); },
                      std::chrono::seconds(20)))
      << "Reconnect() made a second connection\n" << gw.output();
  gw.signal(SIGTERM);
  EXPECT_EQ(gw.wait(std::chrono::seconds(15)), 0) << gw.output();
}

}  // namespace
}  // namespace tgw::test
