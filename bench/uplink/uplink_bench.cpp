// Benchmark: publish throughput of PahoUplink vs a raw mqtt::async_client
// loop with the same in-flight window, QoS 0/1/2, against a local mosquitto
// started here; and publish -> ack latency (p50/p99) at 100 msg/s.
// Usage: uplink_bench [messages_per_qos]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <future>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include <mqtt/async_client.h>

#include "core/logging.hpp"
#include "core/sd_event_loop.hpp"
#include "support/mosquitto.hpp"
#include "uplink/paho/paho_uplink.hpp"

namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr int kWindow = 16;
constexpr int kMaxInflight = 32;
const std::string kPayload(200, 'x');

double seconds(SteadyClock::duration d) { return std::chrono::duration<double>(d).count(); }

// Raw Paho: keep `kWindow` publishes outstanding, count completions.
double rawThroughput(const std::string& url, int qos, int count) {
  mqtt::async_client client(url, "bench-raw-" + std::to_string(qos), mqtt::create_options(MQTTVERSION_3_1_1),
                            nullptr);
  mqtt::connect_options opts;
  opts.set_clean_session(true);
  opts.set_max_inflight(kMaxInflight);
  client.connect(opts)->wait();
  std::mutex mu;
  std::condition_variable cv;
  int outstanding = 0;
  int done = 0;
  struct Listener : mqtt::iaction_listener {
    std::mutex* mu;
    std::condition_variable* cv;
    int* outstanding;
    int* done;
    void on_success(const mqtt::token&) override { finish(); }
    void on_failure(const mqtt::token&) override { finish(); }
    void finish() {
      std::lock_guard lk(*mu);
      --*outstanding;
      ++*done;
      cv->notify_one();
    }
  } listener;
  listener.mu = &mu;
  listener.cv = &cv;
  listener.outstanding = &outstanding;
  listener.done = &done;
  const auto t0 = SteadyClock::now();
  for (int i = 0; i < count; ++i) {
    {
      std::unique_lock lk(mu);
      cv.wait(lk, [&] { return outstanding < kWindow; });
      ++outstanding;
    }
    client.publish(mqtt::make_message("bench/raw", kPayload, qos, false), nullptr, listener);
  }
  {
    std::unique_lock lk(mu);
    cv.wait(lk, [&] { return done == count; });
  }
  const double rate = count / seconds(SteadyClock::now() - t0);
  client.disconnect()->wait();
  return rate;
}

class Pump : public tgw::UplinkListener {
 public:
  Pump(tgw::Uplink& up, int qos, int count) : up_(up), qos_(qos), count_(count) {}
  void onConnected() override { connected_ = true; }
  void onDisconnected(const std::string&) override {}
  void onDelivered(std::uint64_t token) override {
    if (latency_mode_) {
      if (auto it = sent_at_.find(token); it != sent_at_.end()) {
        latencies_.push_back(std::chrono::duration<double, std::milli>(SteadyClock::now() - it->second).count());
        sent_at_.erase(it);
      }
    }
    if (++delivered_ == count_) finished_.set_value();
    else if (!latency_mode_) fill();
  }
  void onSendFailed(std::uint64_t, const std::string& reason) override {
    std::fprintf(stderr, "send failed: %s\n", reason.c_str());
  }
  void onMessage(const std::string&, const std::string&, int) override {}

  // Loop thread: send while the window has room.
  void fill() {
    tgw::Message m{tgw::MessageClass::kTelemetry, "bench/uplink", kPayload, qos_, false, 0};
    while (next_ < count_ && up_.freeWindow() > 0) {
      if (!up_.send(static_cast<std::uint64_t>(next_) + 1, m)) break;
      ++next_;
    }
  }
  // Loop thread: one message now, for the latency run.
  void sendOne() {
    tgw::Message m{tgw::MessageClass::kTelemetry, "bench/latency", kPayload, qos_, false, 0};
    const auto token = static_cast<std::uint64_t>(next_) + 1;
    sent_at_[token] = SteadyClock::now();
    if (up_.send(token, m)) ++next_;
  }

  tgw::Uplink& up_;
  int qos_;
  int count_;
  int next_ = 0;
  int delivered_ = 0;
  bool latency_mode_ = false;
  std::atomic<bool> connected_{false};
  std::promise<void> finished_;
  std::unordered_map<std::uint64_t, SteadyClock::time_point> sent_at_;
  std::vector<double> latencies_;
};

tgw::config::UplinkConfig benchConfig(const std::string& url, const std::string& id) {
  tgw::config::UplinkConfig cfg;
  cfg.url = url;
  cfg.client_id = id;
  cfg.clean_session = true;
  cfg.inflight_window = kWindow;
  cfg.max_inflight = kMaxInflight;
  return cfg;
}

struct LoopRunner {
  std::unique_ptr<tgw::EventLoop> loop = std::move(*tgw::core::makeSdEventLoop());
  std::thread thread{[this] { (void)loop->run(); }};
  ~LoopRunner() {
    loop->requestStop(0);
    thread.join();
  }
  void sync(const std::function<void()>& fn) {
    std::promise<void> done;
    loop->post([&] {
      fn();
      done.set_value();
    });
    done.get_future().wait();
  }
};

double uplinkThroughput(const std::string& url, int qos, int count) {
  LoopRunner lr;
  tgw::uplink::PahoUplink up(*lr.loop, benchConfig(url, "bench-uplink-" + std::to_string(qos)),
                             tgw::SystemClock::instance());
  Pump pump(up, qos, count);
  up.setListener(&pump);
  (void)up.start();
  while (!pump.connected_) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto finished = pump.finished_.get_future();
  const auto t0 = SteadyClock::now();
  lr.sync([&] { pump.fill(); });
  finished.wait();
  const double rate = count / seconds(SteadyClock::now() - t0);
  lr.sync([&] { up.stop(std::chrono::seconds(2)); });
  return rate;
}

void latency(const std::string& url, int count) {
  LoopRunner lr;
  tgw::uplink::PahoUplink up(*lr.loop, benchConfig(url, "bench-latency"), tgw::SystemClock::instance());
  Pump pump(up, 1, count);
  pump.latency_mode_ = true;
  up.setListener(&pump);
  (void)up.start();
  while (!pump.connected_) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto finished = pump.finished_.get_future();
  tgw::Registration timer;
  lr.sync([&] { timer = lr.loop->every(std::chrono::milliseconds(10), [&] {
                  if (pump.next_ < count) pump.sendOne();
                }); });
  finished.wait();
  lr.sync([&] {
    timer.reset();
    up.stop(std::chrono::seconds(2));
  });
  auto& l = pump.latencies_;
  std::sort(l.begin(), l.end());
  const auto pct = [&](double p) { return l[static_cast<std::size_t>(p * static_cast<double>(l.size() - 1))]; };
  std::printf("latency QoS1 at 100 msg/s, %zu msgs: p50 %.3f ms  p99 %.3f ms  max %.3f ms  (target p99 <= 5 ms)\n",
              l.size(), pct(0.50), pct(0.99), l.back());
}

}  // namespace

int main(int argc, char** argv) {
  const int count = argc > 1 ? std::atoi(argv[1]) : 20000;
  tgw::log::init(spdlog::level::warn, tgw::log::Output::kConsole);
  tgw::test::Mosquitto broker;
  const std::string url = broker.url();
  std::printf("PahoUplink vs raw mqtt::async_client, window %d (Paho max_inflight %d), %d msgs of %zu bytes per run\n",
              kWindow, kMaxInflight, count, kPayload.size());
  for (int qos = 0; qos <= 2; ++qos) {
    // Alternate the order to spread warm-up effects; best of two each.
    const double raw1 = rawThroughput(url, qos, count);
    const double up1 = uplinkThroughput(url, qos, count);
    const double up2 = uplinkThroughput(url, qos, count);
    const double raw2 = rawThroughput(url, qos, count);
    const double raw = std::max(raw1, raw2);
    const double upl = std::max(up1, up2);
    std::printf("QoS %d: uplink %9.0f msg/s  raw %9.0f msg/s  ratio %.3f%s\n", qos, upl, raw, upl / raw,
                qos == 1 ? "  (target >= 0.95)" : "");
  }
  latency(url, 1000);
  return 0;
}
