// A private dbus-daemon started by the test, configured like Debian's
// system bus (default deny for method calls and name ownership) plus the
// project's policy file (packaging/dbus/), listening on a socket in a temp dir.
#pragma once

#include <string>

#include "support/support.hpp"

namespace tgw::test {

class PrivateBus {
 public:
  // `policy_text`: the policy file contents to include (defaults to the
  // project's file). Throws std::runtime_error if the bus does not come up.
  explicit PrivateBus(const std::string& policy_text = projectPolicy());
  ~PrivateBus();
  PrivateBus(const PrivateBus&) = delete;
  PrivateBus& operator=(const PrivateBus&) = delete;

  [[nodiscard]] const std::string& address() const { return address_; }
  // Kill the bus (SIGKILL), or start it again at the same address.
  void kill();
  void start();
  [[nodiscard]] const TempDir& dir() const { return dir_; }

  static std::string projectPolicy();

 private:
  TempDir dir_;
  std::string address_;
  std::string config_file_;
  Process daemon_;
};

}  // namespace tgw::test
