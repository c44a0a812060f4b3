// sd-notify from the real binary, read from a real NOTIFY_SOCKET made by the
// test: READY after start, STATUS updates, WATCHDOG while alive, RELOADING
// on SIGHUP (good and bad config), STOPPING on SIGTERM.
#include <signal.h>

#include <regex>

#include <gtest/gtest.h>

#include "notify_socket.hpp"
#include "support/support.hpp"

namespace tgw::test {
namespace {

std::string gateway() { return binaryPath("telemetry-gateway"); }

// config/demo.yaml with the stdout uplink and a temp state dir.
std::string demoConfigText(const TempDir& dir) {
  std::string text = readFile(sourcePath("config/demo.yaml"));
  text = std::regex_replace(text, std::regex("state_dir: [^\\n]*"), "state_dir: " + dir.path().string());
  text = std::regex_replace(text, std::regex("uplink:\\n  type: mqtt[^\\n]*\\n  url: [^\\n]*\\n"),
                            "uplink:\n  type: stdout\n");
  return text;
}

struct Running {
  TempDir dir;
  NotifySocket notify{dir.file("notify.sock")};
  std::string config;
  Process proc;

  explicit Running(std::chrono::microseconds watchdog = std::chrono::microseconds(0)) {
    config = dir.write("gateway.yaml", demoConfigText(dir));
    std::map<std::string, std::string> env = {{"NOTIFY_SOCKET", notify.path()}};
    if (watchdog.count() > 0) env["WATCHDOG_USEC"] = std::to_string(watchdog.count());
    proc = Process({gateway(), "run", "--config", config}, env, dir.file("gateway.log"));
  }
  std::string log() const { return readFile(dir.file("gateway.log")); }
};

TEST(SdNotify, ReadyStatusWatchdogStoppingInOrder) {
  Running gw(std::chrono::milliseconds(400));  // WATCHDOG=1 expected every 200 ms
  auto& n = gw.notify;
  ASSERT_TRUE(waitFor([&] { return n.find("READY=1") >= 0; }, std::chrono::seconds(30))) << n.dump() << gw.log();
  const int ready = n.find("READY=1");
  // The first STATUS= comes with READY (what the pipeline looks like at start).
  const int first_status = n.find("STATUS=");
  ASSERT_GE(first_status, 0) << n.dump();
  EXPECT_LT(first_status, ready) << n.dump();
  EXPECT_NE(n.poll()[first_status].find("stdout"), std::string::npos) << n.dump();
  // WATCHDOG=1 keeps coming while the daemon is alive.
  ASSERT_TRUE(waitFor([&] { return n.count("WATCHDOG=1", ready) >= 3; }, std::chrono::seconds(20))) << n.dump();
  // STATUS= is kept current (message counts change every 2 s).
  ASSERT_TRUE(waitFor([&] { return n.count("STATUS=", ready) >= 1; }, std::chrono::seconds(20))) << n.dump();
  const std::string status = n.poll()[n.find("STATUS=", ready)];
  EXPECT_TRUE(std::regex_search(status, std::regex("^STATUS=stdout · queue [0-9]+"))) << status;

  gw.proc.signal(SIGTERM);
  EXPECT_EQ(gw.proc.wait(std::chrono::seconds(30)), 0) << gw.log();
  const int stopping = n.find("STOPPING=1");
  ASSERT_GT(stopping, ready) << n.dump();
  EXPECT_EQ(n.count("WATCHDOG=1", stopping), 0) << "no watchdog pings after STOPPING=1\n" << n.dump();
  EXPECT_EQ(n.count("READY=1"), 1) << n.dump();
}

TEST(SdNotify, NoWatchdogPingsUnlessAskedFor) {
  Running gw;  // no WATCHDOG_USEC
  auto& n = gw.notify;
  ASSERT_TRUE(waitFor([&] { return n.find("READY=1") >= 0; }, std::chrono::seconds(30))) << gw.log();
  // Wait for two STATUS updates after READY (>= 2 s of running), then stop.
  ASSERT_TRUE(waitFor([&] { return n.count("STATUS=", n.find("READY=1")) >= 1; }, std::chrono::seconds(20)))
      << n.dump();
  gw.proc.signal(SIGTERM);
  EXPECT_EQ(gw.proc.wait(std::chrono::seconds(30)), 0) << gw.log();
  EXPECT_GE(n.find("STOPPING=1"), 0) << n.dump();
  EXPECT_EQ(n.count("WATCHDOG=1"), 0) << n.dump();
}

TEST(SdNotify, ReloadGoodAndBadConfig) {
  Running gw;
  auto& n = gw.notify;
  ASSERT_TRUE(waitFor([&] { return n.find("READY=1") >= 0; }, std::chrono::seconds(30))) << gw.log();

  // A valid change (log level) is applied: RELOADING=1, then READY=1 again.
  std::string text = readFile(gw.config);
  text = std::regex_replace(text, std::regex("level: info"), "level: debug");
  gw.dir.write("gateway.yaml", text);
  const std::size_t before_good = n.poll().size();
  gw.proc.signal(SIGHUP);
  ASSERT_TRUE(waitFor([&] { return n.find("READY=1", before_good) >= 0; })) << n.dump();
  const int reloading = n.find("RELOADING=1", before_good);
  ASSERT_GE(reloading, 0) << n.dump();
  EXPECT_LT(reloading, n.find("READY=1", before_good));
  EXPECT_NE(n.poll()[reloading].find("MONOTONIC_USEC="), std::string::npos) << n.dump();
  ASSERT_TRUE(waitFor([&] { return gw.log().find("reloaded: logging applied") != std::string::npos; })) << gw.log();

  // A broken file is rejected with its errors; the daemon keeps running.
  gw.dir.write("gateway.yaml", "gateway:\n  device_id: x\nuplink: {keepalive: 3}\n");
  const std::size_t before_bad = n.poll().size();
  gw.proc.signal(SIGHUP);
  ASSERT_TRUE(waitFor([&] { return n.find("READY=1", before_bad) >= 0; })) << n.dump();
  EXPECT_GE(n.find("RELOADING=1", before_bad), 0) << n.dump();
  ASSERT_TRUE(waitFor([&] { return gw.log().find("rejected") != std::string::npos; })) << gw.log();
  EXPECT_NE(gw.log().find("uplink.keepalive: unknown key (did you mean 'keepalive_s'?)"), std::string::npos)
      << gw.log();
  EXPECT_TRUE(gw.proc.running());
  // Still producing after the rejected reload.
  const std::size_t after = n.poll().size();
  ASSERT_TRUE(waitFor([&] { return n.count("STATUS=", after) >= 1; }, std::chrono::seconds(20))) << n.dump();

  gw.proc.signal(SIGTERM);
  EXPECT_EQ(gw.proc.wait(std::chrono::seconds(30)), 0) << gw.log();
  EXPECT_GE(n.find("STOPPING=1", after), 0) << n.dump();
}

}  // namespace
}  // namespace tgw::test
