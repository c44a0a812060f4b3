// Durable queue benchmark (issue 4 point 8). Every figure is printed with a
// baseline measured in the same run and the ratio.
//
//   queue_bench            end-to-end QoS 1 (durable vs raw Paho), backlog
//                          drain of 100,000, WAL bytes/message, file size
//   queue_bench --big      also the backlog drain of 1,000,000
//   queue_bench --n N      messages for the end-to-end part (default 20000)
//
// Uses the real SqliteQueue + Forwarder + PahoUplink, a mosquitto started on
// a free loopback port and a Paho subscriber counting what arrives.
#include <mqtt/async_client.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <string>
#include <thread>

#include "core/logging.hpp"
#include "core/sd_event_loop.hpp"
#include "queue/forwarder.hpp"
#include "queue/sqlite/sqlite_queue.hpp"
#include "support/mosquitto.hpp"
#include "support/support.hpp"
#include "uplink/paho/paho_uplink.hpp"
#include "wal_counter.hpp"

using namespace tgw;
using Clk = std::chrono::steady_clock;

namespace {

constexpr int kWindow = 16;  // uplink.inflight_window default, for both sides

std::string payload200(std::uint64_t i) {
  std::string p = R"({"timestamp":1790000000000,"device_id":"bench-01","i":)" + std::to_string(i) + R"(,"pad":")";
  p.append(200 - p.size() - 2 - 12, 'x');  // ~200 B once "seq" is added
  p += "\"}";
  return p;
}

long peakRssKb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

double secondsSince(Clk::time_point t) {
  return std::chrono::duration<double>(Clk::now() - t).count();
}

class CountingSubscriber : public mqtt::callback {
 public:
  CountingSubscriber(const std::string& url, const std::string& filter)
      : client_(url, "bench-sub-" + std::to_string(::getpid())) {
    client_.set_callback(*this);
    auto opts = mqtt::connect_options_builder().clean_session(true).finalize();
    client_.connect(opts)->wait();
    client_.subscribe(filter, 1)->wait();
  }
  ~CountingSubscriber() override {
    try {
      client_.disconnect()->wait();
    } catch (...) {
    }
  }
  void message_arrived(mqtt::const_message_ptr) override { ++count; }
  std::atomic<std::uint64_t> count{0};

 private:
  mqtt::async_client client_;
};

// The baseline: Paho's async_client publishing QoS 1 from memory with the
// same in-flight window, nothing persisted.
class RawPublisher : public mqtt::callback {
 public:
  explicit RawPublisher(const std::string& url)
      : client_(url, "bench-raw-" + std::to_string(::getpid()), mqtt::create_options(MQTTVERSION_3_1_1), nullptr) {
    client_.set_callback(*this);
    auto opts = mqtt::connect_options_builder().clean_session(true).max_inflight(2 * kWindow).finalize();
    client_.connect(opts)->wait();
  }
  void delivery_complete(mqtt::delivery_token_ptr) override {
    std::lock_guard lk(mu_);
    --in_flight_;
    ++acked_;
    cv_.notify_all();
  }
  void publishAll(std::uint64_t n, const std::string& topic) {
    for (std::uint64_t i = 0; i < n; ++i) {
      std::unique_lock lk(mu_);
      cv_.wait(lk, [&] { return in_flight_ < kWindow; });
      ++in_flight_;
      lk.unlock();
      std::string p = payload200(i);
      p.insert(p.size() - 1, ",\"seq\":" + std::to_string(i + 1));
      client_.publish(mqtt::make_message(topic, p, 1, false));
    }
    std::unique_lock lk(mu_);
    cv_.wait(lk, [&] { return acked_ == n; });
  }
  ~RawPublisher() override {
    try {
      client_.disconnect()->wait();
    } catch (...) {
    }
  }

 private:
  mqtt::async_client client_;
  std::mutex mu_;
  std::condition_variable cv_;
  int in_flight_ = 0;
  std::uint64_t acked_ = 0;
};

struct Gateway {
  std::unique_ptr<EventLoop> loop;
  std::unique_ptr<queue::SqliteQueue> q;
  std::unique_ptr<uplink::PahoUplink> link;
  std::unique_ptr<queue::Forwarder> fwd;
};

// Runs `body` on a fresh loop thread with a gateway built on it; `body`
// gets a function to run code on the loop.
void withGateway(const config::QueueConfig& qcfg, const std::string& url,
                 const std::function<void(Gateway&, const std::function<void(std::function<void()>)>&)>& body) {
  auto loop = core::makeSdEventLoop();
  if (!loop) throw std::runtime_error(loop.error().message);
  Gateway gw;
  gw.loop = std::move(*loop);
  std::thread t([&] { (void)gw.loop->run(); });
  auto onLoop = [&](std::function<void()> fn) {
    std::promise<void> done;
    gw.loop->post([&] {
      fn();
      done.set_value();
    });
    done.get_future().wait();
  };
  onLoop([&] {
    auto q = queue::SqliteQueue::open(qcfg, SystemClock::instance());
    if (!q) throw std::runtime_error(q.error().message);
    gw.q = std::move(*q);
    config::UplinkConfig ucfg;
    ucfg.url = url;
    ucfg.client_id = "bench-gw-" + std::to_string(::getpid());
    ucfg.clean_session = true;
    ucfg.inflight_window = kWindow;
    gw.link = std::make_unique<uplink::PahoUplink>(*gw.loop, ucfg, SystemClock::instance());
    gw.fwd = std::make_unique<queue::Forwarder>(*gw.loop, *gw.q, *gw.link, qcfg, SystemClock::instance());
    (void)gw.link->start();
    gw.fwd->start();
  });
  test::waitFor(
      [&] {
        bool up = false;
        onLoop([&] { up = gw.fwd->stats().connected; });
        return up;
      },
      std::chrono::seconds(10));
  body(gw, onLoop);
  onLoop([&] {
    gw.fwd->shutdown();
    gw.link->stop(std::chrono::seconds(2));
    gw.fwd.reset();
    gw.link.reset();
    gw.q.reset();
  });
  gw.loop->requestStop(0);
  t.join();
}

std::uint64_t queued(const std::function<void(std::function<void()>)>& onLoop, Gateway& gw) {
  std::uint64_t n = 0;
  onLoop([&] { n = gw.q->size() + gw.q->uncommitted(); });
  return n;
}

// ------------------------------------------------------------------ children

// Drain an existing backlog as fast as the link allows; prints rate and peak RSS.
int drainChild(const std::string& db, const std::string& url) {
  config::QueueConfig qcfg;
  qcfg.path = db;
  qcfg.max_messages = 100'000'000;
  qcfg.max_bytes = 1LL << 40;
  qcfg.drain_rate = 0;
  std::uint64_t n = 0;
  double secs = 0;
  long open_kb = 0;
  withGateway(qcfg, url, [&](Gateway& gw, const auto& onLoop) {
    open_kb = peakRssKb();
    const auto t0 = Clk::now();
    onLoop([&] { n = gw.q->size(); });
    test::waitFor([&] { return queued(onLoop, gw) == 0; }, std::chrono::minutes(10));
    secs = secondsSince(t0);
  });
  std::printf("n=%llu secs=%.3f hwm_kb=%ld open_kb=%ld\n", static_cast<unsigned long long>(n), secs, peakRssKb(),
              open_kb);
  return 0;
}

int rawChild(const std::string& url, std::uint64_t n) {
  RawPublisher pub(url);
  const auto t0 = Clk::now();
  pub.publishAll(n, "bench/raw");
  std::printf("n=%llu secs=%.3f hwm_kb=%ld\n", static_cast<unsigned long long>(n), secondsSince(t0), peakRssKb());
  return 0;
}

struct ChildResult {
  double secs = 0;
  long hwm_kb = 0;
};

ChildResult runChild(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"/proc/self/exe"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string out;
  const int rc = test::run(argv, &out, std::chrono::minutes(15));
  ChildResult r;
  const auto s = out.find("secs=");
  const auto h = out.find("hwm_kb=");
  if (std::getenv("TGW_BENCH_VERBOSE") != nullptr) std::printf("child: %s", out.c_str());
  if (rc != 0 || s == std::string::npos || h == std::string::npos) {
    std::fprintf(stderr, "child failed (%d): %s\n", rc, out.c_str());
    return r;
  }
  r.secs = std::stod(out.substr(s + 5));
  r.hwm_kb = std::stol(out.substr(h + 7));
  return r;
}

// ------------------------------------------------------------------ parts

void endToEnd(const std::string& url, std::uint64_t n) {
  std::printf("\n== durable QoS 1 end to end: %llu messages of ~200 B, window %d ==\n",
              static_cast<unsigned long long>(n), kWindow);
  double raw_secs = 0;
  {
    CountingSubscriber sub(url, "bench/raw");
    RawPublisher pub(url);
    const auto t0 = Clk::now();
    pub.publishAll(n, "bench/raw");
    test::waitFor([&] { return sub.count.load() >= n; }, std::chrono::minutes(5));
    raw_secs = secondsSince(t0);
  }
  test::TempDir dir;
  config::QueueConfig qcfg;
  qcfg.path = dir.file("queue.db");
  qcfg.max_messages = 10'000'000;
  qcfg.max_bytes = 1LL << 40;
  double durable_secs = 0;
  {
    CountingSubscriber sub(url, "bench/durable");
    withGateway(qcfg, url, [&](Gateway& gw, const auto& onLoop) {
      const auto t0 = Clk::now();
      // The producer hands over messages in chunks, as profiles do.
      for (std::uint64_t i = 0; i < n; i += 64) {
        gw.loop->post([&gw, i, n] {
          for (std::uint64_t k = i; k < std::min(n, i + 64); ++k) {
            gw.fwd->submit(Message{MessageClass::kEvent, "bench/durable", payload200(k), 1});
          }
        });
      }
      test::waitFor([&] { return sub.count.load() >= n && queued(onLoop, gw) == 0; }, std::chrono::minutes(5));
      durable_secs = secondsSince(t0);
    });
  }
  const double raw_rate = static_cast<double>(n) / raw_secs;
  const double durable_rate = static_cast<double>(n) / durable_secs;
  std::printf("raw Paho QoS 1 (baseline): %8.0f msg/s\n", raw_rate);
  std::printf("durable queue QoS 1      : %8.0f msg/s (commit before send, delete on ack)\n", durable_rate);
  std::printf("ratio durable/raw        : %8.2f (target >= 0.9)\n", durable_rate / raw_rate);
}

void backlog(const std::string& url, std::uint64_t n) {
  std::printf("\n== backlog drain: %llu messages of ~200 B ==\n", static_cast<unsigned long long>(n));
  test::TempDir dir;
  config::QueueConfig qcfg;
  qcfg.path = dir.file("queue.db");
  qcfg.max_messages = 100'000'000;
  qcfg.max_bytes = 1LL << 40;
  {
    auto q = queue::SqliteQueue::open(qcfg, SystemClock::instance());
    if (!q) throw std::runtime_error(q.error().message);
    const auto t0 = Clk::now();
    for (std::uint64_t i = 0; i < n; ++i) {
      (void)(*q)->push(Message{MessageClass::kTelemetry, "bench/backlog", payload200(i), 1});
      if (i % 256 == 255) (void)(*q)->commit();
    }
    (void)(*q)->commit();
    std::printf("fill (offline enqueue)   : %8.0f msg/s, file %.1f MB\n", static_cast<double>(n) / secondsSince(t0),
                static_cast<double>(std::filesystem::file_size(qcfg.path)) / 1e6);
  }
  {
    // The queue's own share: fetch one at a time as acks free the window,
    // ack, group commit, no network.
    test::TempDir copy_dir;
    config::QueueConfig ccfg = qcfg;
    ccfg.path = copy_dir.file("queue.db");
    std::filesystem::copy_file(qcfg.path, ccfg.path);
    auto q = queue::SqliteQueue::open(ccfg, SystemClock::instance());
    if (!q) throw std::runtime_error(q.error().message);
    const auto t0 = Clk::now();
    auto first = (*q)->fetch(kWindow);
    std::deque<std::uint64_t> window;
    for (const auto& m : first) window.push_back(m.seq);
    std::uint64_t done = 0;
    while (!window.empty()) {
      (*q)->ack(window.front());
      window.pop_front();
      ++done;
      if (done % 256 == 0) (void)(*q)->commit();
      for (const auto& m : (*q)->fetch(1)) window.push_back(m.seq);
    }
    (void)(*q)->commit();
    std::printf("queue only (no network) : %8.0f msg/s fetch+ack+commit\n",
                static_cast<double>(done) / secondsSince(t0));
  }
  const auto drain = runChild({"--drain-child", qcfg.path, url});
  const auto raw = runChild({"--raw-child", url, std::to_string(n)});
  const double drain_rate = static_cast<double>(n) / drain.secs;
  const double raw_rate = static_cast<double>(n) / raw.secs;
  std::printf("raw Paho from memory     : %8.0f msg/s, peak RSS %5.1f MB (baseline)\n", raw_rate,
              static_cast<double>(raw.hwm_kb) / 1024.0);
  std::printf("drain from the queue     : %8.0f msg/s, peak RSS %5.1f MB (target <= 16 MB)\n", drain_rate,
              static_cast<double>(drain.hwm_kb) / 1024.0);
  std::printf("ratio drain/raw          : %8.2f rate, %.2f RSS\n", drain_rate / raw_rate,
              static_cast<double>(drain.hwm_kb) / static_cast<double>(raw.hwm_kb));
}

// Steady state without a broker: push k, commit, fetch k, ack k, commit.
void walBytes() {
  std::printf("\n== WAL bytes per message (insert + delete, one commit per batch), 200 B payloads ==\n");
  auto& c = bench::installWalCounter();
  for (const std::size_t batch : {1, 16, 256}) {
    test::TempDir dir;
    config::QueueConfig qcfg;
    qcfg.path = dir.file("queue.db");
    auto q = queue::SqliteQueue::open(qcfg, SystemClock::instance());
    if (!q) throw std::runtime_error(q.error().message);
    // Keep a standing backlog of 1000 so deletes hit real pages.
    for (int i = 0; i < 1000; ++i) (void)(*q)->push(Message{MessageClass::kEvent, "bench/wal", payload200(i), 1});
    (void)(*q)->commit();
    const std::uint64_t total = std::max<std::uint64_t>(20000, batch * 200);
    const std::uint64_t wal0 = c.wal_bytes;
    const std::uint64_t db0 = c.db_bytes;
    const std::uint64_t sync0 = c.syncs;
    for (std::uint64_t done = 0; done < total; done += batch) {
      for (std::size_t i = 0; i < batch; ++i) {
        (void)(*q)->push(Message{MessageClass::kEvent, "bench/wal", payload200(done + i), 1});
      }
      (void)(*q)->commit();
      // Acks join the next commit, as in the forwarder (one transaction per
      // commit window carries the new messages and the deletes).
      for (const auto& m : (*q)->fetch(batch)) (*q)->ack(m.seq);
    }
    (void)(*q)->commit();
    const double per = static_cast<double>(c.wal_bytes - wal0) / static_cast<double>(total);
    const double db_per = static_cast<double>(c.db_bytes - db0) / static_cast<double>(total);
    std::printf(
        "batch %3zu: WAL %7.0f B/msg, checkpoint writes %6.0f B/msg, fsyncs %.3f/msg; "
        "baseline payload 200 B/msg, ratio %.2f%s\n",
        batch, per, db_per, static_cast<double>(c.syncs - sync0) / static_cast<double>(total), per / 200.0,
        batch == 256 ? " (target <= 500 B)" : "");
  }
}

void fileSize() {
  std::printf("\n== file size per 10,000 messages of 200 B ==\n");
  test::TempDir dir;
  config::QueueConfig qcfg;
  qcfg.path = dir.file("queue.db");
  std::uint64_t payload_bytes = 0;
  {
    auto q = queue::SqliteQueue::open(qcfg, SystemClock::instance());
    if (!q) throw std::runtime_error(q.error().message);
    for (int i = 0; i < 10000; ++i) {
      std::string p(200, 'x');
      p = "{\"v\":\"" + p.substr(0, 200 - 8 - 12) + "\"}";
      Message m{MessageClass::kTelemetry, "glec/dtg/bench-01/telemetry", p, 0};
      payload_bytes += p.size() + 12;
      (void)(*q)->push(m);
      if (i % 256 == 255) (void)(*q)->commit();
    }
    (void)(*q)->commit();
  }  // closed: checkpointed, WAL removed
  std::uintmax_t size = std::filesystem::file_size(qcfg.path);
  for (const char* s : {"-wal", "-shm"}) {
    if (std::filesystem::exists(qcfg.path + s)) size += std::filesystem::file_size(qcfg.path + s);
  }
  std::printf("queue file: %.2f MB; baseline raw payload %.2f MB; ratio %.2f (target <= 4 MB)\n",
              static_cast<double>(size) / 1e6, static_cast<double>(payload_bytes) / 1e6,
              static_cast<double>(size) / static_cast<double>(payload_bytes));
}

}  // namespace

int main(int argc, char** argv) {
  core::blockHandledSignals();
  log::init(spdlog::level::warn, log::Output::kConsole);
  try {
    if (argc >= 2 && std::string(argv[1]) == "--wal-only") {
      walBytes();
      fileSize();
      return 0;
    }
    if (argc >= 3 && std::string(argv[1]) == "--drain-child") return drainChild(argv[2], argv[3]);
    if (argc >= 4 && std::string(argv[1]) == "--raw-child") return rawChild(argv[2], std::stoull(argv[3]));
    bool big = false;
    std::uint64_t n = 20000;
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      if (a == "--big") big = true;
      if (a == "--n" && i + 1 < argc) n = std::stoull(argv[++i]);
    }
    test::Mosquitto broker;
    if (argc >= 3 && std::string(argv[1]) == "--backlog-only") {
      backlog(broker.url(), std::stoull(argv[2]));
      return 0;
    }
    endToEnd(broker.url(), n);
    backlog(broker.url(), 100'000);
    if (big) backlog(broker.url(), 1'000'000);
    walBytes();
    fileSize();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "benchmark failed: %s\n", e.what());
    return 1;
  }
  return 0;
}
