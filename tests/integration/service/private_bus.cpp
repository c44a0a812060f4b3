#include "private_bus.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <stdexcept>

namespace tgw::test {
namespace {

// Debian's /usr/share/dbus-1/system.conf default policy, minus fork/user/syslog.
constexpr const char* kBusConfig = R"(<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <auth>EXTERNAL</auth>
  <listen>unix:path=@SOCKET@</listen>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
    <deny send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"
          send_member="UpdateActivationEnvironment"/>
  </policy>
  <policy user="root">
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Monitoring"/>
  </policy>
  <include>@POLICY@</include>
</busconfig>
)";

std::string replaceAll(std::string text, const std::string& from, const std::string& to) {
  for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
  return text;
}

}  // namespace

std::string PrivateBus::projectPolicy() {
  return readFile(sourcePath("packaging/dbus/io.telemetrygateway.Gateway1.conf"));
}

PrivateBus::PrivateBus(const std::string& policy_text) {
  // Unprivileged test clients must reach the socket.
  ::chmod(dir_.path().c_str(), 0755);
  const std::string socket = dir_.file("bus");
  const std::string policy = dir_.write("policy.conf", policy_text);
  std::string config = replaceAll(kBusConfig, "@SOCKET@", socket);
  config = replaceAll(config, "@POLICY@", policy);
  config_file_ = dir_.write("bus.conf", config);
  address_ = "unix:path=" + socket;
  start();
}

void PrivateBus::start() {
  const std::string socket = dir_.file("bus");
  std::filesystem::remove(socket);
  daemon_ = Process({"dbus-daemon", "--nofork", "--nopidfile", "--config-file=" + config_file_}, {},
                    dir_.file("dbus-daemon.log"));
  if (!waitFor([&] { return std::filesystem::exists(socket); }, std::chrono::seconds(10))) {
    throw std::runtime_error("private dbus-daemon did not start: " + readFile(dir_.file("dbus-daemon.log")));
  }
}

void PrivateBus::kill() { daemon_.kill(); }

PrivateBus::~PrivateBus() { daemon_.kill(); }

}  // namespace tgw::test
