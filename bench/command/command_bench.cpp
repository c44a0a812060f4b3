// Benchmark: downlink command → final response round trip through the real
// daemon (mosquitto on loopback, modem_at on a pty modem that answers OK at
// once), p50/p99 one at a time, and commands/s sustained with 32 in flight.
// Baseline in the same run: a raw MQTT round trip (publish → the same
// client receives it back through the broker), p50/p99.
// Usage: command_bench [round_trips] [sustained_commands]
// Knobs (environment): BENCH_SYNC=normal (ledger synchronous, default full),
// BENCH_COMMIT_MS=n (queue.commit_window_ms, default 5), BENCH_NAGLE=1 (keep
// Nagle on the broker's and the bench clients' sockets; the daemon always
// switches it off on its own), BENCH_LOG=1 (print the daemon log and 3 timings),
// BENCH_STRACE=file (run the daemon under strace).
#include <fcntl.h>
#include <mqtt/async_client.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "integration/command/fake_modem.hpp"
#include "support/mosquitto.hpp"
#include "support/support.hpp"
#include "uplink/paho/tcp_nodelay.hpp"

namespace {

using SteadyClock = std::chrono::steady_clock;

// Collects arrival times of messages keyed by a token in the payload.
class Receiver : public mqtt::callback {
 public:
  void message_arrived(mqtt::const_message_ptr msg) override {
    const auto now = SteadyClock::now();
    std::string key;
    auto j = nlohmann::json::parse(msg->to_string(), nullptr, false);
    if (j.is_discarded()) return;
    if (j.contains("request_id")) {
      if (j.value("stage", "") != "success" && j.value("stage", "") != "error") return;
      key = j["request_id"].get<std::string>();
    } else {
      key = j.value("k", "");
    }
    std::lock_guard lock(mu_);
    arrived_[key] = now;
    if (j.value("stage", "") == "error") {
      ++errors_;
      if (errors_ <= 3) std::fprintf(stderr, "error answer: %s\n", msg->to_string().c_str());
    }
    cv_.notify_all();
  }
  bool wait(const std::string& key, SteadyClock::time_point* at) {
    std::unique_lock lock(mu_);
    const bool ok = cv_.wait_for(lock, std::chrono::seconds(10), [&] { return arrived_.count(key) != 0; });
    if (ok) *at = arrived_[key];
    return ok;
  }
  std::size_t count() {
    std::lock_guard lock(mu_);
    return arrived_.size();
  }
  bool waitCount(std::size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(60), [&] { return arrived_.size() >= n; });
  }
  int errors() {
    std::lock_guard lock(mu_);
    return errors_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, SteadyClock::time_point> arrived_;
  int errors_ = 0;
};

// What the durable path costs on this disk right now: 4 KiB written and
// fdatasync'ed, in the state directory's file system. A command takes two
// ledger fsyncs and the queue's commit of its answer.
std::vector<double> fsyncTimes(const std::string& path, int n) {
  std::vector<double> ms;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return ms;
  std::string page(4096, 'x');
  for (int i = 0; i < n; ++i) {
    const auto t0 = SteadyClock::now();
    if (::pwrite(fd, page.data(), page.size(), static_cast<off_t>(i % 64) * 4096) < 0) break;
    ::fdatasync(fd);
    ms.push_back(std::chrono::duration<double, std::milli>(SteadyClock::now() - t0).count());
  }
  ::close(fd);
  return ms;
}

std::uint16_t brokerPort(const std::string& url) {
  return static_cast<std::uint16_t>(std::atoi(url.substr(url.rfind(':') + 1).c_str()));
}

double pct(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

std::unique_ptr<mqtt::async_client> connect(const std::string& url, const std::string& id, Receiver& rx,
                                            const std::string& filter) {
  auto c = std::make_unique<mqtt::async_client>(url, id, mqtt::create_options(MQTTVERSION_3_1_1), nullptr);
  c->set_callback(rx);
  mqtt::connect_options opts;
  opts.set_clean_session(true);
  opts.set_max_inflight(64);
  c->connect(opts)->wait();
  // The backend's side too (a back-to-back publish after its own PUBACK
  // would otherwise wait for the broker's delayed ACK), unless BENCH_NAGLE.
  if (!std::getenv("BENCH_NAGLE")) tgw::uplink::setNoDelayOnSocketsTo(brokerPort(url));
  c->subscribe(filter, 1)->wait();
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tgw::test;
  const int round_trips = argc > 1 ? std::atoi(argv[1]) : 300;
  const int sustained = argc > 2 ? std::atoi(argv[2]) : 2000;
  // Nagle off on the broker's sockets (mosquitto's default leaves it on): the
  // staged responses are several small packets in a row.
  BrokerOptions broker_options;
  if (!std::getenv("BENCH_NAGLE")) broker_options.global_lines.push_back("set_tcp_nodelay true");
  Mosquitto broker(broker_options);
  CommandModem modem;
  TempDir dir;
  const std::string cfg = dir.write("gw.yaml", R"(gateway:
  device_id: bench-1
  state_dir: )" + dir.path().string() + R"(
logging: {level: warning}
queue: {commit_window_ms: )" + std::string(std::getenv("BENCH_COMMIT_MS") ? std::getenv("BENCH_COMMIT_MS") : "5") +
                                                   R"(}
uplink:
  url: )" + broker.url() + R"(
sources:
  - {name: modem, type: modem, device: )" + modem.path() +
                                                   R"(, baud: 115200}
profiles:
  bess: {}
commands:
  max_in_flight: 256
  synchronous: )" + std::string(std::getenv("BENCH_SYNC") ? std::getenv("BENCH_SYNC") : "full") +
                                                   R"(
  actions:
    radio:
      kind: modem_at
      source: modem
      params:
        mode: {type: enum, values: {full: 1, "off": 4}}
      template: {command: "AT+CFUN=${mode}"}
)");
  std::vector<std::string> args = {binaryPath("telemetry-gateway"), "run", "--config", cfg};
  if (const char* trace = std::getenv("BENCH_STRACE")) {
    args.insert(args.begin(),
                {"strace", "-f", "-tt", "-e", "trace=writev,write,read,sendto,recvfrom,fdatasync,setsockopt,epoll_wait", "-o", trace});
  }
  Process daemon(args, {}, dir.file("daemon.log"));

  // Baseline: raw MQTT round trip through the same broker.
  Receiver raw_rx;
  auto raw = connect(broker.url(), "bench-raw", raw_rx, "bench/echo");
  std::vector<double> raw_ms;
  for (int i = 0; i < round_trips; ++i) {
    const std::string k = "e" + std::to_string(i);
    const auto t0 = SteadyClock::now();
    raw->publish(mqtt::make_message("bench/echo", R"({"k":")" + k + "\"}", 1, false));
    SteadyClock::time_point t1;
    if (!raw_rx.wait(k, &t1)) return std::fprintf(stderr, "raw round trip lost\n"), 1;
    raw_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }

  Receiver rx;
  auto cli = connect(broker.url(), "bench-backend", rx, "bess/control/response");
  const auto command = [](const std::string& id) {
    return R"({"command":"radio","request_id":")" + id + R"(","mode":"full"})";
  };
  // Ready when a first command is answered.
  bool ready = waitFor(
      [&] {
        cli->publish(mqtt::make_message("bess/control/commands", command("warm"), 1, false));
        SteadyClock::time_point t;
        return rx.wait("warm", &t);
      },
      std::chrono::seconds(20));
  if (!ready) return std::fprintf(stderr, "daemon not answering:\n%s\n", daemon.output().c_str()), 1;

  std::vector<double> cmd_ms;
  for (int i = 0; i < round_trips; ++i) {
    const std::string id = "rt" + std::to_string(i);
    const auto t0 = SteadyClock::now();
    cli->publish(mqtt::make_message("bess/control/commands", command(id), 1, false));
    SteadyClock::time_point t1;
    if (!rx.wait(id, &t1)) return std::fprintf(stderr, "command %s not answered\n", id.c_str()), 1;
    cmd_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    if (std::getenv("BENCH_LOG") && i < 3) {
      const auto wall = std::chrono::system_clock::now() - (SteadyClock::now() - t0);
      std::printf("%s published at wall %lld ms, answered after %.2f ms\n", id.c_str(),
                  static_cast<long long>(
                      std::chrono::duration_cast<std::chrono::milliseconds>(wall.time_since_epoch()).count() % 100000),
                  cmd_ms.back());
    }
  }

  // Sustained: keep 32 commands outstanding.
  const std::size_t base = rx.count();
  const auto s0 = SteadyClock::now();
  for (int i = 0; i < sustained; ++i) {
    while (static_cast<int>(rx.count() - base) < i - 32) std::this_thread::sleep_for(std::chrono::microseconds(200));
    cli->publish(mqtt::make_message("bess/control/commands", command("s" + std::to_string(i)), 1, false));
  }
  if (!rx.waitCount(base + static_cast<std::size_t>(sustained))) {
    return std::fprintf(stderr, "sustained run: %zu of %d answered\n", rx.count() - base, sustained), 1;
  }
  const double secs = std::chrono::duration<double>(SteadyClock::now() - s0).count();

  const auto sync_ms = fsyncTimes(dir.file("fsync-probe"), round_trips);
  const double raw50 = pct(raw_ms, 0.5), raw99 = pct(raw_ms, 0.99);
  const double c50 = pct(cmd_ms, 0.5), c99 = pct(cmd_ms, 0.99);
  std::printf("command round trip (publish -> final response), %d one at a time, modem_at on a pty:\n", round_trips);
  std::printf("  command      p50 %7.2f ms   p99 %7.2f ms   (target p99 <= 10 ms: %s)\n", c50, c99,
              c99 <= 10.0 ? "met" : "NOT met");
  std::printf("  baseline raw MQTT round trip (QoS 1, same broker)  p50 %7.2f ms   p99 %7.2f ms\n", raw50, raw99);
  std::printf("  ratio command/baseline   p50 %.1fx   p99 %.1fx\n", c50 / raw50, c99 / raw99);
  if (!sync_ms.empty()) {
    std::printf("  baseline fdatasync of 4 KiB in the state dir (same run)  p50 %7.2f ms   p99 %7.2f ms"
                "   (a command waits for 3: ledger in, ledger out, queue commit)\n",
                pct(sync_ms, 0.5), pct(sync_ms, 0.99));
  }
  std::printf(
      "sustained: %d commands in %.2f s = %.0f commands/s (32 in flight), %d error answers, modem got %zu "
      "AT+CFUN=1\n",
      sustained, secs, sustained / secs, rx.errors(), modem.count("AT+CFUN=1"));
  if (std::getenv("BENCH_LOG")) std::printf("%s\n", daemon.output().c_str());
  cli->disconnect()->wait();
  raw->disconnect()->wait();
  daemon.signal(SIGTERM);
  daemon.wait();
  return 0;
}
