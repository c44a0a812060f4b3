#include "rig.hpp"
#include "support/mosquitto.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string_view>
#include <thread>

#include <nlohmann/json.hpp>

namespace tgw::reliability {

namespace fs = std::filesystem;

namespace {

// Children die with the test process even if it is SIGKILLed (ctest timeout).
std::vector<std::string> withDeathSignal(std::vector<std::string> argv) {
  argv.insert(argv.begin(), {"setpriv", "--pdeathsig", "KILL", "--"});
  return argv;
}

int sh(const std::string& cmd, std::string* out = nullptr) {
  return test::run({"/bin/sh", "-c", cmd}, out, std::chrono::seconds(30));
}

bool pidAlive(long pid) { return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM); }

std::string gatewayConfig(const GatewayOptions& o) {
  std::ostringstream c;
  c << "gateway:\n  device_id: rel-gw\n  state_dir: " << o.state_dir << "\n";
  c << "logging:\n  level: " << (debugRun() ? "debug" : "info") << "\n  output: console\n";
  c << "uplink:\n  url: " << o.url << "\n  client_id: rel-gw\n  keepalive_s: " << o.keepalive_s
    << "\n  connect_timeout_s: " << o.connect_timeout_s << "\n  inflight_window: " << o.inflight_window
    << "\n  max_inflight: " << (o.inflight_window * 2)
    << "\n  reconnect: {initial_delay_ms: 200, max_delay_ms: " << o.reconnect_max_ms
    << ", jitter: 0.2, stable_after_ms: 0}\n"
       "  shutdown_timeout_ms: 1000\n";
  c << "queue:\n  telemetry_persistence: never\n  max_messages: " << o.max_messages
    << "\n  drain_rate: 0\n  max_attempts: 1000\n";
  c << "sources:\n  - name: sim\n    type: simulator\n    battery: {rate_hz: 10, modules: 4}\n    meter_rate_hz: 10\n"
       "    meters:\n";
  for (int i = 0; i < 15; ++i) c << "      - {node_id: n" << i << ", base_power_w: " << 800 + i * 10 << "}\n";
  c << "profiles:\n  bess:\n    telemetry_interval_ms: " << (o.idle ? 3'600'000 : 100) << "\n"
       "    signals: {voltage: sim.bess.voltage, current: sim.bess.current, power_kw: sim.bess.power_kw, "
       "soc: sim.bess.soc, soh: sim.bess.soh}\n"
       "    module_temperatures: [sim.bess.module*]\n    logs: {enabled: false}\n";
  if (o.idle) return c.str();
  c << "  homesync:\n    home_id: rel\n    telemetry_interval_ms: 100\n    nodes:\n";
  for (int i = 0; i < 15; ++i) {
    const std::string n = "sim.meter.n" + std::to_string(i) + ".";
    c << "      - node_id: n" << i << "\n        metrics: {power: " << n << "power, voltage: " << n
      << "voltage, current: " << n << "current, energy: " << n << "energy, power_factor: " << n
      << "power_factor, frequency: " << n << "frequency, temperature: " << n << "temperature}\n";
  }
  return c.str();
}

// An environment switch: on only when set to "1".
bool envSwitch(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && std::string_view(v) == "1";
}

}  // namespace

bool longRun() { return envSwitch("TGW_LONG_RELIABILITY"); }

bool debugRun() { return envSwitch("TGW_REL_DEBUG"); }

bool keepWanted() { return envSwitch("TGW_KEEP_TEMP"); }

std::string keepArtifacts(const std::string& name, const Broker& broker, const Auditor& auditor,
                          const test::TempDir& gateway_dir) {
  const fs::path dest = fs::path("/tmp/tgwrel-kept") / (name + "-" + std::to_string(::getpid()));
  std::error_code ec;
  fs::create_directories(dest, ec);
  const auto opts = fs::copy_options::recursive | fs::copy_options::overwrite_existing;
  fs::copy(broker.dir(), dest / "broker", opts, ec);
  fs::copy(auditor.dir(), dest / "auditor", opts, ec);
  fs::copy(gateway_dir.path(), dest / "gateway", opts, ec);
  return dest.string();
}

std::string gatewayBinary() { return test::binaryPath("telemetry-gateway"); }

void report(const std::string& line) {
  std::printf("[reliability] %s\n", line.c_str());
  std::fflush(stdout);
}

void sweepStale() {
  // Namespaces "tgwrel<pid>n<k>" and veths "tr<pid>h<k>" of dead test processes.
  std::string out;
  sh("ip netns list 2>/dev/null", &out);
  std::regex ns_re(R"(tgwrel(\d+)n\d+)");
  for (std::sregex_iterator it(out.begin(), out.end(), ns_re), end; it != end; ++it) {
    if (!pidAlive(std::stol((*it)[1]))) sh("ip netns del " + (*it)[0].str() + " 2>/dev/null");
  }
  sh("ip -o link show 2>/dev/null", &out);
  std::regex veth_re(R"(\b(tr(\d+)h\d+)@)");
  for (std::sregex_iterator it(out.begin(), out.end(), veth_re), end; it != end; ++it) {
    if (!pidAlive(std::stol((*it)[2]))) sh("ip link del " + (*it)[1].str() + " 2>/dev/null");
  }
  // Link emulator TUN devices "te<pid>a<k>" (they die with the emulator,
  // which dies with the test; this only catches the unexpected).
  std::regex tun_re(R"(\b(te(\d+)a\d+):)");
  for (std::sregex_iterator it(out.begin(), out.end(), tun_re), end; it != end; ++it) {
    if (!pidAlive(std::stol((*it)[2]))) sh("ip link del " + (*it)[1].str() + " 2>/dev/null");
  }
  // Brokers of dead tests (mosquitto -c .../mosquitto-tgwrel<pid>.conf).
  std::regex broker_re(R"(^mosquitto\0-c\0\S*/mosquitto-tgwrel(\d+)\.conf\0)");
  std::error_code ec;
  for (auto it = fs::directory_iterator("/proc", ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const std::string pid = it->path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(it->path() / "cmdline", std::ios::binary);
    const std::string cmd((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::smatch bm;
    if (std::regex_search(cmd, bm, broker_re) && !pidAlive(std::stol(bm[1]))) ::kill(std::stoi(pid), SIGKILL);
  }
  // tmpfs mounts below /tmp/tgw-test-*/tgwrel<pid>-*
  std::ifstream mounts("/proc/mounts");
  std::string line;
  std::regex mnt_re(R"(^\S+ (\S*/tgwrel(\d+)-\S*) tmpfs )");
  std::smatch m;
  while (std::getline(mounts, line)) {
    if (std::regex_search(line, m, mnt_re) && !pidAlive(std::stol(m[2]))) ::umount2(m[1].str().c_str(), MNT_DETACH);
  }
}

// ---------------------------------------------------------------- Broker

Broker::Broker(std::string extra_address) : extra_address_(std::move(extra_address)), port_(test::freePort()) {
  start();
}

Broker::~Broker() {
  if (process_.running()) {
    process_.signal(SIGCONT);
    process_.kill();
  }
}

std::string Broker::url(const std::string& host) const { return "mqtt://" + host + ":" + std::to_string(port_); }

void Broker::start() {
  std::ostringstream conf;
  conf << "per_listener_settings false\nallow_anonymous true\n";
  // Persistence: the auditor's session (subscription and the messages queued
  // for it) and the daemon's session survive a restart (a broker that loses
  // what it acknowledged would show as gaps that are not the daemon's).
  // SIGTERM (Broker::stop) always saves at exit; the periodic save bounds
  // what a SIGKILL loses to about a second. Not autosave_on_changes: that
  // rewrites and fsyncs the whole file after every message, and under load
  // the broker then answered the daemon's online-status publish too late
  // (2 s connect timeout) so often that it hardly sent any telemetry.
  conf << "persistence true\npersistence_location " << dir_.path().string()
       << "/\nautosave_interval 1\nautosave_on_changes false\n";
  // Started as root, mosquitto switches to its own user ("mosquitto"), which
  // cannot write into this 0700 root-owned temp dir: every save failed
  // ("Error saving in-memory database ... Permission denied"), each restart
  // began with an empty broker, and whatever it had PUBACKed to the daemon
  // but not yet delivered to the auditor (and everything published before
  // the auditor had resubscribed) was gone: gaps that were not the daemon's.
  // Staying root also keeps PR_SET_PDEATHSIG (a setuid clears it).
  if (::geteuid() == 0) conf << "user root\n";
  conf << "log_dest stdout\nlog_timestamp_format %H:%M:%S\n";
  if (debugRun()) {
    conf << "log_type all\n";
  } else {
    conf << "log_type error\nlog_type warning\nlog_type notice\nlog_type information\n";
  }
  conf << "connection_messages true\n";
  conf << "max_inflight_messages 0\nmax_queued_messages 0\nmax_queued_bytes 0\n";
  conf << "listener " << port_ << " 127.0.0.1\n";
  if (!extra_address_.empty()) conf << "listener " << port_ << " " << extra_address_ << "\n";
  // The config's name carries the test's pid: should mosquitto drop root for
  // its own user after all (which clears PR_SET_PDEATHSIG), a broker could
  // outlive a killed test; sweepStale() finds it by this name.
  const std::string path = dir_.write("mosquitto-tgwrel" + std::to_string(::getpid()) + ".conf", conf.str());
  ++runs_;
  process_ = test::Process(withDeathSignal({"mosquitto", "-c", path}), {},
                           dir_.file("mosquitto-" + std::to_string(runs_) + ".log"));
  if (!test::waitFor([&] { return test::portOpen(port_) || !process_.running(); }, std::chrono::seconds(10)) ||
      !process_.running()) {
    throw std::runtime_error("mosquitto did not start on port " + std::to_string(port_) + ":\n" + process_.output());
  }
}

void Broker::kill() {
  process_.signal(SIGCONT);
  process_.kill();
}

void Broker::stop() {
  process_.signal(SIGCONT);
  process_.signal(SIGTERM);
  if (process_.wait(std::chrono::seconds(10)) < 0) process_.kill();
}

void Broker::pause() { process_.signal(SIGSTOP); }
void Broker::resume() { process_.signal(SIGCONT); }

std::string Broker::persistenceErrors() const {
  std::string out;
  std::istringstream in(log());
  std::string l;
  while (std::getline(in, l)) {
    if (l.find("Error saving") != std::string::npos || l.find("Error: Permission denied") != std::string::npos ||
        l.find("Error restoring") != std::string::npos) {
      out += l + "\n";
    }
  }
  return out;
}

std::string Broker::log() const {
  std::string all;
  for (int i = 1; i <= runs_; ++i) all += test::readFile(dir_.file("mosquitto-" + std::to_string(i) + ".log"));
  return all;
}

int Broker::connectCount(const std::string& id) const {
  const std::string all = log();
  const std::string needle = " as " + id + " ";
  int n = 0;
  for (auto p = all.find(needle); p != std::string::npos; p = all.find(needle, p + 1)) ++n;
  return n;
}

// ---------------------------------------------------------------- Auditor

Auditor::Auditor(int port) {
  const std::string id = "tgwrel-audit-" + std::to_string(::getpid()) + "-" + std::to_string(port);
  // -c: persistent session, QoS 1: the broker queues for us while we are away.
  // -R: skip stale retained messages (re-sent at every resubscribe).
  process_ = test::Process(withDeathSignal({"mosquitto_sub", "-h", "127.0.0.1", "-p", std::to_string(port), "-t", "#",
                                            "-q", "1", "-c", "-i", id, "-R", "-v", "-k", "5"}),
                           {}, dir_.file("audit.txt"));
  if (debugRun()) {
    witness_ = test::Process(withDeathSignal({"mosquitto_sub", "-h", "127.0.0.1", "-p", std::to_string(port), "-t", "#",
                                              "-q", "1", "-c", "-i", id + "-witness", "-k", "5", "-F",
                                              "@H:@M:@S.@N r%r q%q m%m %t %p"}),
                             {}, dir_.file("witness.txt"));
  }
  // Subscribed once the broker logged the connection and a moment later the
  // subscription; a message we publish ourselves proves the path.
  test::waitFor(
      [&] {
        test::publish(port, "tgwrel/ping", "{}", 1);
        return count() > 0;
      },
      std::chrono::seconds(10));
}

std::vector<std::string> Auditor::lines() const {
  std::vector<std::string> out;
  std::istringstream in(process_.output());
  std::string l;
  while (std::getline(in, l)) {
    if (!l.empty()) out.push_back(l);
  }
  return out;
}

std::size_t Auditor::count() const { return lines().size(); }

std::map<std::uint64_t, int> Auditor::seqs() const {
  std::map<std::uint64_t, int> out;
  for (const auto& l : lines()) {
    const auto p = l.rfind("\"seq\":");
    if (p == std::string::npos) continue;
    out[std::stoull(l.substr(p + 6))]++;
  }
  return out;
}

std::string AuditResult::summary() const {
  std::ostringstream s;
  s << "last committed seq " << last_seq << ", received " << received << " distinct, " << duplicates
    << " duplicates, " << still_queued << " still queued, " << drops << " counted drops, " << gaps.size() << " gaps";
  if (!gaps.empty()) {
    s << " (";
    for (std::size_t i = 0; i < gaps.size() && i < 40; ++i) s << (i == 0 ? "" : " ") << gaps[i];
    s << (gaps.size() > 40 ? " ...)" : ")");
  }
  return s.str();
}

// ---------------------------------------------------------------- Gateway

GatewayOptions options(std::string url, int keepalive_s, std::string netns, std::string state_dir) {
  GatewayOptions o;
  o.url = std::move(url);
  o.keepalive_s = keepalive_s;
  o.netns = std::move(netns);
  o.state_dir = std::move(state_dir);
  return o;
}

Gateway::Gateway(const test::TempDir& dir, GatewayOptions options) : options_(std::move(options)) {
  if (options_.state_dir.empty()) options_.state_dir = dir.file("state");
  fs::create_directories(options_.state_dir);
  log_dir_ = dir.file("logs");
  fs::create_directories(log_dir_);
  config_ = dir.write("gateway.yaml", gatewayConfig(options_));
}

void Gateway::start() {
  std::vector<std::string> argv;
  if (!options_.netns.empty()) argv = {"ip", "netns", "exec", options_.netns};
  argv.insert(argv.end(), {gatewayBinary(), "run", "--config", config_});
  ++runs_;
  process_ = test::Process(withDeathSignal(argv), {}, log_dir_ + "/run-" + std::to_string(runs_) + ".log");
}

void Gateway::kill() { process_.kill(); }

int Gateway::stop() {
  process_.signal(SIGTERM);
  const int rc = process_.wait(std::chrono::seconds(20));
  if (rc < 0) process_.kill();
  return rc;
}

bool Gateway::waitConnected(int count, std::chrono::milliseconds timeout) {
  return test::waitFor([&] { return countLog("connected to ") >= count || !process_.running(); }, timeout) &&
         countLog("connected to ") >= count;
}

int Gateway::countLog(const std::string& text) const {
  const std::string all = process_.output();
  int n = 0;
  for (auto p = all.find(text); p != std::string::npos; p = all.find(text, p + 1)) ++n;
  return n;
}

long Gateway::rssKb() const {
  std::ifstream in("/proc/" + std::to_string(process_.pid()) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

int Gateway::fdCount() const {
  std::error_code ec;
  int n = 0;
  for (auto it = fs::directory_iterator("/proc/" + std::to_string(process_.pid()) + "/fd", ec);
       !ec && it != fs::directory_iterator(); ++it) {
    ++n;
  }
  return ec ? -1 : n;
}

std::string Gateway::queueStats() const {
  std::string out;
  test::run({gatewayBinary(), "queue", "--config", config_, "stats", "--json"}, &out, std::chrono::seconds(30));
  return out;
}

std::set<std::uint64_t> Gateway::queuedSeqs() const {
  std::string out;
  test::run({gatewayBinary(), "queue", "--config", config_, "peek", "-n", "10000000"}, &out, std::chrono::seconds(60));
  std::set<std::uint64_t> seqs;
  std::istringstream in(out);
  std::string l;
  while (std::getline(in, l)) {
    if (l.rfind("seq=", 0) == 0) seqs.insert(std::stoull(l.substr(4)));
  }
  return seqs;
}

AuditResult Gateway::audit(const Auditor& auditor, std::chrono::milliseconds settle) {
  AuditResult r;
  if (!running()) start();
  const int connected_before = countLog("connected to ");
  (void)connected_before;
  if (!waitConnected(1)) throw std::runtime_error("the daemon did not connect for the audit:\n" + log());
  std::this_thread::sleep_for(settle);  // let the backlog drain under live load
  stop();
  const auto stats = nlohmann::json::parse(queueStats(), nullptr, false);
  if (stats.is_discarded()) throw std::runtime_error("queue stats failed for " + config_);
  r.last_seq = stats["last_seq"].get<std::uint64_t>();
  for (const auto& [reason, n] : stats["drops"].items()) {
    if (reason != "not_persisted" && reason != "send_failed" && reason != "disk_full") r.drops += n.get<std::uint64_t>();
  }
  const auto queued = queuedSeqs();
  r.still_queued = queued.size();
  std::map<std::uint64_t, int> got;
  auto complete = [&] {
    got = auditor.seqs();
    for (std::uint64_t s = 1; s <= r.last_seq; ++s) {
      if (got.count(s) == 0 && queued.count(s) == 0) return false;
    }
    return true;
  };
  test::waitFor(complete, std::chrono::seconds(20));
  for (std::uint64_t s = 1; s <= r.last_seq; ++s) {
    const auto it = got.find(s);
    if (it != got.end()) {
      ++r.received;
      r.duplicates += static_cast<std::uint64_t>(it->second - 1);
    } else if (queued.count(s) == 0) {
      r.gaps.push_back(s);
    }
  }
  return r;
}

// ---------------------------------------------------------------- NetNs

NetNs::NetNs() {
  // Pick a free 10.77.<k>.0/30 under a lock (two test processes may race).
  const int lock = ::open("/run/tgwrel-netns.lock", O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  if (lock >= 0) ::flock(lock, LOCK_EX);
  std::string addrs;
  reliability::sh("ip -o addr show 2>/dev/null", &addrs);
  int k = 1;
  while (k < 250 && addrs.find("10.77." + std::to_string(k) + ".") != std::string::npos) ++k;
  const std::string pid = std::to_string(::getpid());
  name_ = "tgwrel" + pid + "n" + std::to_string(k);
  veth_host_ = "tr" + pid + "h" + std::to_string(k);
  veth_ns_ = "tr" + pid + "g" + std::to_string(k);
  tun_host_ = "te" + pid + "a" + std::to_string(k);
  tun_ns_ = "te" + pid + "b" + std::to_string(k);
  host_ip_ = "10.77." + std::to_string(k) + ".1";
  ns_ip_ = "10.77." + std::to_string(k) + ".2";
  std::string add_out;
  ok_ = reliability::sh("ip netns add " + name_ + " 2>&1", &add_out) == 0;
  if (ok_) {
    ok_ = sh("ip link add " + veth_host_ + " type veth peer name " + veth_ns_) &&
          sh("ip link set " + veth_ns_ + " netns " + name_) &&
          sh("ip addr add " + host_ip_ + "/30 dev " + veth_host_) && sh("ip link set " + veth_host_ + " up") &&
          sh("ip -n " + name_ + " addr add " + ns_ip_ + "/30 dev " + veth_ns_) &&
          sh("ip -n " + name_ + " link set " + veth_ns_ + " up") && sh("ip -n " + name_ + " link set lo up");
    if (!ok_) error_ = "could not set up the veth pair";
  } else {
    error_ = "ip netns add failed (needs root and network namespaces): " + add_out;
  }
  if (lock >= 0) ::close(lock);
  // The host end needs a moment to have its address usable (DAD is off for v4).
  if (ok_) test::waitFor([&] { return sh("ip -n " + name_ + " route get " + host_ip_ + " >/dev/null 2>&1") == 0; });
}

NetNs::~NetNs() {
  heal();  // also ends the link emulator: it lives in the namespace
  sh("ip link del " + veth_host_ + " 2>/dev/null");
  sh("ip netns del " + name_ + " 2>/dev/null");
}

bool NetNs::sh(const std::string& cmd) { return reliability::sh(cmd) == 0; }

void NetNs::partition() {
  const std::string t = "ip netns exec " + name_ + " nft ";
  sh(t + "add table netdev tgwrel");
  sh(t + "'add chain netdev tgwrel in { type filter hook ingress device " + veth_ns_ +
     " priority 0; policy drop; }'");
  sh(t + "'add chain netdev tgwrel out { type filter hook egress device " + veth_ns_ +
     " priority 0; policy drop; }'");
}

bool NetNs::loss(int percent) {
  heal();
  const std::string t = "ip netns exec " + name_ + " nft ";
  const std::string rule = " 'numgen random mod 100 < " + std::to_string(percent) + " drop'";
  return sh(t + "add table netdev tgwrel") &&
         sh(t + "'add chain netdev tgwrel in { type filter hook ingress device " + veth_ns_ +
            " priority 0; policy accept; }'") &&
         sh(t + "'add chain netdev tgwrel out { type filter hook egress device " + veth_ns_ +
            " priority 0; policy accept; }'") &&
         sh(t + "add rule netdev tgwrel in" + rule) && sh(t + "add rule netdev tgwrel out" + rule);
}

void NetNs::heal() {
  stopEmulator();
  sh("ip netns exec " + name_ + " nft delete table netdev tgwrel 2>/dev/null");
}

// ---------------------------------------------------------------- SmallFs

SmallFs::SmallFs(const std::string& dir, const std::string& size) : dir_(dir) {
  fs::create_directories(dir_);
  ok_ = ::mount("tmpfs", dir_.c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0;
  if (!ok_) error_ = std::strerror(errno);
}

SmallFs::~SmallFs() {
  if (ok_) ::umount2(dir_.c_str(), MNT_DETACH);
}

bool SmallFs::resize(const std::string& size) {
  return ::mount("tmpfs", dir_.c_str(), "tmpfs", MS_REMOUNT, ("size=" + size).c_str()) == 0;
}

}  // namespace tgw::reliability
