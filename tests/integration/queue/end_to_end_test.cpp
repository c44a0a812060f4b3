// SqliteQueue + Forwarder + PahoUplink against a real mosquitto and a real
// subscriber: every QoS 1 message arrives with its seq, the queue empties,
// and messages queued while the gateway is offline arrive after a restart.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "loop_thread.hpp"
#include "queue/forwarder.hpp"
#include "queue/sqlite/sqlite_queue.hpp"
#include "support/mosquitto.hpp"
#include "support/support.hpp"
#include "uplink/paho/paho_uplink.hpp"

namespace tgw::queue {
namespace {

using namespace std::chrono_literals;

std::set<std::uint64_t> seqsReceived(const test::Subscriber& sub) {
  std::set<std::uint64_t> out;
  for (const auto& line : sub.lines()) {
    const auto sp = line.find(' ');
    if (sp == std::string::npos) continue;
    const auto j = nlohmann::json::parse(line.substr(sp + 1), nullptr, false);
    if (j.is_object() && j.contains("seq")) out.insert(j["seq"].get<std::uint64_t>());
  }
  return out;
}

// One "gateway": queue, uplink and forwarder, created and destroyed on the loop.
struct Gateway {
  Gateway(test::QueueLoopThread& lt, const config::QueueConfig& qcfg, const config::UplinkConfig& ucfg, bool connect)
      : lt_(lt) {
    lt_.sync([&] {
      auto q = SqliteQueue::open(qcfg, SystemClock::instance());
      ASSERT_TRUE(q.has_value()) << q.error().message;
      queue = std::move(*q);
      uplink = std::make_unique<uplink::PahoUplink>(lt_.loop(), ucfg, SystemClock::instance());
      forwarder = std::make_unique<Forwarder>(lt_.loop(), *queue, *uplink, qcfg, SystemClock::instance());
      if (connect) {
        ASSERT_TRUE(uplink->start());
      }
      forwarder->start();
    });
  }
  ~Gateway() {
    lt_.sync([&] {
      forwarder->shutdown();
      uplink->stop(2s);
      uplink.reset();
      forwarder.reset();
      queue.reset();
    });
  }
  void submit(int n, const std::string& topic) {
    lt_.sync([&] {
      for (int i = 0; i < n; ++i) {
        forwarder->submit(Message{MessageClass::kEvent, topic, R"({"i":)" + std::to_string(i) + "}", 1});
      }
    });
  }
  std::uint64_t queued() {
    return lt_.get<std::uint64_t>([&] { return queue->size(); });
  }
  QueueStats stats() {
    return lt_.get<QueueStats>([&] { return queue->stats(); });
  }

  test::QueueLoopThread& lt_;
  std::unique_ptr<SqliteQueue> queue;
  std::unique_ptr<uplink::PahoUplink> uplink;
  std::unique_ptr<Forwarder> forwarder;
};

TEST(QueueEndToEnd, QosOneThroughARealBrokerAndAcrossARestart) {
  test::Mosquitto broker;
  test::Subscriber sub(broker.port(), "tgw/e2e/#", 1);
  test::TempDir dir;
  config::QueueConfig qcfg;
  qcfg.path = dir.file("queue.db");
  qcfg.drain_rate = 0;
  config::UplinkConfig ucfg;
  ucfg.url = broker.url();
  ucfg.client_id = "tgw-queue-e2e";
  ucfg.reconnect.initial_delay_ms = 100;
  test::QueueLoopThread lt;
  {
    Gateway gw(lt, qcfg, ucfg, true);
    gw.submit(300, "tgw/e2e/events");
    ASSERT_TRUE(sub.waitForLines(300, 20s)) << sub.lines().size();
    ASSERT_TRUE(test::waitFor([&] { return gw.queued() == 0; }, 10s)) << gw.queued();
  }
  {
    Gateway offline(lt, qcfg, ucfg, false);  // the link never comes up
    offline.submit(100, "tgw/e2e/events");
    ASSERT_TRUE(test::waitFor([&] { return offline.stats().committed_seq == 400; }, 5s));
    EXPECT_EQ(offline.queued(), 100U);
  }
  {
    Gateway gw(lt, qcfg, ucfg, true);
    ASSERT_TRUE(sub.waitForLines(400, 20s)) << sub.lines().size();
    ASSERT_TRUE(test::waitFor([&] { return gw.queued() == 0; }, 10s));
  }
  const auto seqs = seqsReceived(sub);
  ASSERT_EQ(seqs.size(), 400U);
  EXPECT_EQ(*seqs.begin(), 1U);
  EXPECT_EQ(*seqs.rbegin(), 400U);
}

}  // namespace
}  // namespace tgw::queue
