// NetNs: routing the namespace's traffic through the link emulator
// (link_emulator.cpp), the userspace stand-in for tc netem.
#include <signal.h>

#include <sstream>

#include "rig.hpp"

namespace tgw::reliability {

namespace {

int shell(const std::string& cmd) {
  return test::run({"/bin/sh", "-c", cmd}, nullptr, std::chrono::seconds(30));
}

std::string fmtNum(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

}  // namespace

bool NetNs::emulate(int delay_ms, int jitter_ms, double loss_pct) {
  stopEmulator();
  // setpriv: the emulator (and with it its devices and routes) dies with the test process.
  emulator_ = test::Process(
      {"setpriv", "--pdeathsig", "KILL", "--", test::buildPath("tests/reliability/faults/link_emulator"), "--a",
       tun_host_, "--b", tun_ns_, "--netns", name_, "--delay-ms", std::to_string(delay_ms), "--jitter-ms",
       std::to_string(jitter_ms), "--loss", fmtNum(loss_pct), "--seed", std::to_string(::getpid())});
  emulating_ = true;
  if (!test::waitFor([&] { return emulator_.output().find("ready") != std::string::npos || !emulator_.running(); },
                     std::chrono::seconds(10)) ||
      !emulator_.running()) {
    return false;
  }
  // /32 routes beat the veth's /30 on both sides; the gateway's TCP
  // connection keeps its addresses and simply takes the new path.
  const std::string in_ns = "ip -n " + name_ + " ";
  return shell("ip link set " + tun_host_ + " up") == 0 && shell(in_ns + "link set " + tun_ns_ + " up") == 0 &&
         shell("ip route add " + ns_ip_ + "/32 dev " + tun_host_) == 0 &&
         shell(in_ns + "route add " + host_ip_ + "/32 dev " + tun_ns_ + " src " + ns_ip_) == 0;
}

std::string NetNs::stopEmulator() {
  if (!emulating_) return {};
  emulating_ = false;
  emulator_.signal(SIGTERM);
  if (emulator_.wait(std::chrono::seconds(5)) < 0) emulator_.kill();
  // The routes went with the devices; the summary is the emulator's last line.
  const std::string out = emulator_.output();
  const auto p = out.rfind("{\"a_to_b\"");
  return p == std::string::npos ? std::string() : out.substr(p, out.find('\n', p) - p);
}

}  // namespace tgw::reliability
