// The systemd unit: `systemd-analyze verify` is clean and the offline
// security exposure is at most 2.0 (printed). systemd is not PID 1 here, so
// these two commands are the check. Also: the packaged default config passes
// check-config.
#include <regex>

#include <gtest/gtest.h>

#include "support/support.hpp"

namespace tgw::test {
namespace {

// The unit with ExecStart= pointing at the binary just built (verify checks
// that the executable exists).
std::string unitForThisBuild(const TempDir& dir) {
  std::string unit = readFile(sourcePath("systemd/telemetry-gateway.service"));
  unit = std::regex_replace(unit, std::regex("/usr/bin/telemetry-gateway"), binaryPath("telemetry-gateway"));
  return dir.write("telemetry-gateway.service", unit);
}

TEST(UnitFile, VerifyIsClean) {
  TempDir dir;
  const std::string unit = unitForThisBuild(dir);
  std::string out;
  // --man=no: the man pages are checked by the packaging test, installed.
  const int rc = run({"systemd-analyze", "verify", "--man=no", unit}, &out);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_EQ(out, "") << out;
}

TEST(UnitFile, SecurityExposureAtMostTwo) {
  TempDir dir;
  const std::string unit = unitForThisBuild(dir);
  std::string out;
  const int rc = run({"systemd-analyze", "security", "--offline=yes", "--no-pager", unit}, &out);
  EXPECT_EQ(rc, 0) << out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(out, m, std::regex("Overall exposure level for telemetry-gateway.service: ([0-9.]+)")))
      << out;
  const double exposure = std::stod(m[1].str());
  std::printf("systemd-analyze security --offline=yes: exposure %.1f (limit 2.0)\n", exposure);
  EXPECT_LE(exposure, 2.0) << out;
}

TEST(UnitFile, DeclaresWhatTheIssueAsksFor) {
  const std::string unit = readFile(sourcePath("systemd/telemetry-gateway.service"));
  for (const char* line :
       {"Type=notify\n", "Restart=on-failure\n", "RestartPreventExitStatus=78\n", "User=telemetry-gateway\n",
        "StateDirectory=telemetry-gateway\n", "ConfigurationDirectory=telemetry-gateway\n",
        "SupplementaryGroups=dialout\n", "DeviceAllow=char-ttyUSB rw\n", "DeviceAllow=char-ttyACM rw\n",
        "DeviceAllow=char-ttyS rw\n", "ExecReload=/bin/kill -HUP $MAINPID\n", "ProtectSystem=strict\n",
        "NoNewPrivileges=yes\n", "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK AF_CAN\n"}) {
    EXPECT_NE(unit.find(line), std::string::npos) << line;
  }
  EXPECT_TRUE(std::regex_search(unit, std::regex("\nWatchdogSec=[0-9]+s\n")));
}

TEST(UnitFile, PackagedDefaultConfigIsValid) {
  std::string out;
  EXPECT_EQ(run({binaryPath("telemetry-gateway"), "check-config", sourcePath("packaging/gateway.yaml")}, &out), 0)
      << out;
  EXPECT_NE(out.find(": OK (device gateway-01"), std::string::npos) << out;
}

}  // namespace
}  // namespace tgw::test
