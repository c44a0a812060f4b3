// Fault-injection rig: the real daemon, a real mosquitto (with persistence,
// so a subscriber's queued messages survive a broker restart), an auditing
// subscriber, network namespaces with a veth pair, small tmpfs mounts.
//
// Everything started here is owned by an RAII object and torn down in its
// destructor; children get PR_SET_PDEATHSIG (via setpriv) so they die with
// the test process even when it is killed; namespaces, veths and mounts carry
// the test's pid in their names ("tgwrel<pid>...") and sweepStale() removes
// those of test processes that no longer exist (a test killed by a timeout).
// Traffic goes only to 127.0.0.1 or to addresses inside the namespaces made
// here (10.77.<n>.0/30).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "support/support.hpp"

namespace tgw::reliability {

using namespace std::chrono_literals;

// Remove namespaces, veths and mounts left behind by dead test processes.
void sweepStale();

// A mosquitto with persistence on (running as root when we are: see
// Broker::start()); listens on 127.0.0.1 and optionally on a
// second address (a veth address) with the same port.
class Broker {
 public:
  explicit Broker(std::string extra_address = {});
  ~Broker();
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] std::string url(const std::string& host = "127.0.0.1") const;
  void start();         // waits until it accepts connections
  void kill();          // SIGKILL and reap
  void stop();          // SIGTERM, wait (persistence saved)
  void pause();         // SIGSTOP
  void resume();        // SIGCONT
  [[nodiscard]] bool running() { return process_.running(); }
  [[nodiscard]] std::string log() const;
  // Log lines of failed persistence saves / restores (all runs); "" when the
  // broker could keep what it acknowledged across a SIGTERM restart.
  [[nodiscard]] std::string persistenceErrors() const;
  // Connections of client `id` seen so far in the broker log (all runs).
  [[nodiscard]] int connectCount(const std::string& id) const;
  // Config, logs and persistence file of every run.
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_.path(); }

 private:
  std::string extra_address_;
  test::TempDir dir_;
  int port_;
  int runs_ = 0;
  test::Process process_;
};

// The subscriber-side audit: mosquitto_sub, persistent session (clean
// session off, QoS 1) on "#", reconnecting by itself across broker restarts.
class Auditor {
 public:
  explicit Auditor(int port);
  [[nodiscard]] std::vector<std::string> lines() const;
  // seq -> number of times received (QoS >= 1 topics only: every persisted
  // message of the rig's config is QoS 1).
  [[nodiscard]] std::map<std::uint64_t, int> seqs() const;
  [[nodiscard]] std::size_t count() const;
  // audit.txt (and witness.txt with TGW_REL_DEBUG=1).
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_.path(); }

 private:
  test::TempDir dir_;
  test::Process process_;
  test::Process witness_;  // TGW_REL_DEBUG=1: every message with retain flag, QoS, mid, time
};

struct AuditResult {
  std::uint64_t last_seq = 0;    // highest committed seq (queue stats)
  std::uint64_t received = 0;    // distinct seqs the subscriber got
  std::uint64_t duplicates = 0;  // extra copies received
  std::uint64_t still_queued = 0;
  std::uint64_t drops = 0;  // counted drops other than not_persisted (QoS 0)
  std::vector<std::uint64_t> gaps;  // neither received nor still queued
  [[nodiscard]] std::string summary() const;
};

// The real daemon with the rig's config: bess telemetry every 100 ms
// (QoS 1, persisted, carries seq) plus homesync telemetry for 15 meters
// every 100 ms (QoS 0, ~1,050 msg/s, not persisted) as load.
struct GatewayOptions {
  std::string url;
  int keepalive_s = 5;
  std::string netns;  // run inside this namespace (ip netns exec)
  std::string state_dir;
  int inflight_window = 16;
  int max_messages = 1'000'000;
  int connect_timeout_s = 2;
  int reconnect_max_ms = 1000;
  bool idle = false;  // no load: bess telemetry once an hour, no homesync
};

GatewayOptions options(std::string url, int keepalive_s, std::string netns = {}, std::string state_dir = {});

class Gateway {
 public:
  Gateway(const test::TempDir& dir, GatewayOptions options);
  [[nodiscard]] const std::string& configPath() const { return config_; }
  [[nodiscard]] const std::string& stateDir() const { return options_.state_dir; }
  void start();
  void kill();  // SIGKILL
  int stop();   // SIGTERM, exit code
  [[nodiscard]] bool running() { return process_.running(); }
  [[nodiscard]] pid_t pid() const { return process_.pid(); }
  [[nodiscard]] std::string log() const { return process_.output(); }
  // Until this run logged `count` connections (false at once if the daemon exited).
  bool waitConnected(int count = 1, std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // Log lines of this run containing `text`.
  [[nodiscard]] int countLog(const std::string& text) const;
  [[nodiscard]] long rssKb() const;
  [[nodiscard]] int fdCount() const;
  // `queue stats --json` of the state dir (safe while running).
  [[nodiscard]] std::string queueStats() const;
  // Seqs still in the queue (`queue peek`).
  [[nodiscard]] std::set<std::uint64_t> queuedSeqs() const;
  // Run once more with the broker reachable until it is connected, then stop
  // cleanly and audit against the subscriber.
  AuditResult audit(const Auditor& auditor, std::chrono::milliseconds settle = 1500ms);
  // Config, state dir (queue) and run logs.
  [[nodiscard]] const std::string& logDir() const { return log_dir_; }

 private:
  GatewayOptions options_;
  std::string config_;
  std::string log_dir_;
  int runs_ = 0;
  test::Process process_;
};

// A network namespace with a veth pair: "host" end in the root namespace
// (10.77.<n>.1), "gateway" end inside (10.77.<n>.2). Faults are nftables
// rules inside the namespace (drop, random loss) and, for delay + loss at
// packet level, the link emulator (link_emulator.cpp; this kernel has no
// netem): two TUN devices, one on each side, with /32 routes that send the
// 10.77.<n>.1 <-> .2 traffic through them instead of the veth. The TUN
// devices belong to the emulator process: when it exits they and their
// routes are gone and the traffic is back on the veth.
class NetNs {
 public:
  NetNs();
  ~NetNs();
  NetNs(const NetNs&) = delete;
  NetNs& operator=(const NetNs&) = delete;
  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] const std::string& hostAddress() const { return host_ip_; }
  void partition();          // drop every packet in and out (silently)
  void heal();               // remove every fault
  bool loss(int percent);    // random drop both ways
  // Route the traffic through the link emulator: each packet delayed by
  // delay_ms +- jitter_ms (uniform, order kept) and dropped with probability
  // loss_pct, both ways. False (and why in emulatorLog()) if it cannot start.
  bool emulate(int delay_ms, int jitter_ms, double loss_pct);
  // Stop the emulator (traffic back on the veth); its JSON summary of what
  // was applied per direction ("" if none ran). heal() calls this too.
  std::string stopEmulator();
  [[nodiscard]] std::string emulatorLog() const { return emulator_.output(); }

 private:
  bool sh(const std::string& cmd);
  std::string name_, veth_host_, veth_ns_, host_ip_, ns_ip_, tun_host_, tun_ns_;
  test::Process emulator_;
  bool emulating_ = false;
  bool ok_ = false;
  std::string error_;
};

// A tmpfs of a given size (root only), unmounted in the destructor.
class SmallFs {
 public:
  SmallFs(const std::string& dir, const std::string& size);
  ~SmallFs();
  SmallFs(const SmallFs&) = delete;
  SmallFs& operator=(const SmallFs&) = delete;
  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] const std::string& error() const { return error_; }
  bool resize(const std::string& size);

 private:
  std::string dir_;
  bool ok_ = false;
  std::string error_;
};

// A long variant runs only with TGW_LONG_RELIABILITY=1.
bool longRun();
// TGW_REL_DEBUG=1: broker log_type all, daemon log level debug, a witness
// subscriber (no -R, prints retain flag / QoS / mid / time) next to the auditor.
bool debugRun();
// Copies what a failed scenario leaves behind (broker config + logs +
// persistence, audit output, the daemon's config, state dir and logs) to
// /tmp/tgwrel-kept/<name>-<pid>/ and returns that path. Call it when the
// test failed or TGW_KEEP_TEMP=1 (keepWanted()).
std::string keepArtifacts(const std::string& name, const Broker& broker, const Auditor& auditor,
                          const test::TempDir& gateway_dir);
bool keepWanted();
std::string gatewayBinary();
// Print a measured figure so it appears in the ctest output / log.
void report(const std::string& line);

}  // namespace tgw::reliability
