// NMEA source on a pty pair: port missing at start, garbage and partial
// lines, unplug and replug, permission denied.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include "sources/nmea/nmea_source.hpp"
#include "sources/serial/serial_port.hpp"
#include "support/serial_support.hpp"
#include "support/support.hpp"

namespace tgw::sources {
namespace {

const char* kFix = "$GPGGA,105153.71,5050.4122,N,00420.8266,E,1,04,2.25,109.44,M,,M,,*77\r\n";
const char* kFix2 = "$GPRMC,105154.408,A,5050.4121,N,00420.8268,E,0.30,348.36,120319,,,A*63\r\n";

config::SourceConfig portConfig(const std::string& path) {
  config::SourceConfig c;
  c.name = "gps";
  c.type = "nmea";
  c.nmea.port.device = path;
  c.nmea.port.baud = 9600;
  c.nmea.port.reopen_max_ms = 200;
  return c;
}

TEST(NmeaPty, MissingUnpluggedReplugged) {
  test::TempDir dir;
  const std::string link = dir.file("ttyGPS");
  test::LoopThread lt;
  test::RecordingSink sink;
  NmeaSource src(portConfig(link), SystemClock::instance());
  ASSERT_TRUE(lt.call([&] { return src.start(lt.loop(), sink).has_value(); }));
  auto status = [&] { return lt.call([&] { return src.status(); }); };
  EXPECT_EQ(status().state, SourceState::kOffline);
  EXPECT_NE(status().detail.find("not found"), std::string::npos) << status().detail;

  auto pty = std::make_unique<test::PtyPair>();
  test::pointLink(link, pty->slavePath());
  ASSERT_TRUE(test::waitFor([&] { return status().state == SourceState::kOnline; }));
  // Garbage, a bad checksum, then a fix split over several writes.
  pty->write(std::string("\xff\xfe\x00noise\r\n", 10));
  pty->write("$GPGGA,105153.71,5050.4122,N,00420.8266,E,1,04,2.25,109.44,M,,M,,*70\r\n");
  const std::string fix(kFix);
  pty->write(fix.substr(0, 20));
  pty->write(fix.substr(20));
  ASSERT_TRUE(test::waitFor([&] { return sink.last("gps.lat").has_value(); }));
  EXPECT_NEAR(sink.last("gps.lat")->number(), 50.840203333, 1e-9);
  EXPECT_EQ(sink.count("gps.lat"), 1u);
  const auto c = lt.call([&] { return src.counters(); });
  EXPECT_EQ(c.garbage, 1u);
  EXPECT_EQ(c.bad_checksum, 1u);

  // Unplug: the source notices, and keeps trying.
  pty.reset();
  test::pointLink(link, "");
  ASSERT_TRUE(test::waitFor([&] { return status().state == SourceState::kOffline; }));
  // Replug (a new device node, as USB re-enumeration gives).
  pty = std::make_unique<test::PtyPair>();
  test::pointLink(link, pty->slavePath());
  ASSERT_TRUE(test::waitFor([&] { return status().state == SourceState::kOnline; }));
  pty->write(kFix2);
  ASSERT_TRUE(test::waitFor([&] { return sink.count("gps.lat") == 2; }));
  EXPECT_NEAR(sink.last("gps.lat")->number(), 50.840201667, 1e-9);
  lt.call([&] { src.stop(); });
}

// Two owners of one port each get half of the replies (a stale daemon left
// on a device path that a new pty reuses did exactly that): the second open
// is refused with a message that says how to find the first owner.
TEST(NmeaPty, ASecondOwnerOfThePortIsRefusedAndNamed) {
  test::PtyPair pty;
  const serial::PortSettings settings{pty.slavePath(), 9600, 8, 'N', 1};
  auto first = serial::openPort(settings);
  ASSERT_TRUE(first) << first.error().message;
  auto second = serial::openPort(settings);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, Errc::kUnavailable);
  EXPECT_NE(second.error().message.find("in use by another process"), std::string::npos) << second.error().message;
  EXPECT_NE(second.error().message.find("fuser"), std::string::npos) << second.error().message;
  first->reset();
  auto third = serial::openPort(settings);
  EXPECT_TRUE(third) << third.error().message;
}

TEST(NmeaPty, PermissionDeniedNamesTheDialoutGroup) {
  test::TempDir dir;
  const std::string path = dir.write("ttyLocked", "");
  ::chmod(path.c_str(), 0600);
  ::chmod(dir.path().c_str(), 0755);
  auto check = [&] {
    auto fd = serial::openPort(serial::PortSettings{path, 9600, 8, 'N', 1});
    return !fd && fd.error().code == Errc::kPermission &&
           fd.error().message.find("dialout") != std::string::npos;
  };
  if (::geteuid() != 0) {
    ::chmod(path.c_str(), 0);
    EXPECT_TRUE(check());
    return;
  }
  // root opens anything: check as an unprivileged user in a child process.
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(2);
    ::_exit(check() ? 0 : 1);
  }
  int st = 0;
  ::waitpid(pid, &st, 0);
  ASSERT_TRUE(WIFEXITED(st));
  EXPECT_EQ(WEXITSTATUS(st), 0);
}

}  // namespace
}  // namespace tgw::sources
