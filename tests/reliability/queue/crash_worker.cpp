// A minimal gateway for the crash test: the real SqliteQueue + Forwarder +
// PahoUplink on the real sd-event loop.
//   crash_worker produce <db> <broker-url> <client-id>   submit QoS 1/2 messages until killed
//   crash_worker drain   <db> <broker-url> <client-id>   send the backlog, print "DRAINED ...", exit 0
#include <csignal>
#include <cstdio>
#include <string>

#include "core/logging.hpp"
#include "core/sd_event_loop.hpp"
#include "queue/forwarder.hpp"
#include "queue/sqlite/sqlite_queue.hpp"
#include "uplink/paho/paho_uplink.hpp"

using namespace tgw;

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: crash_worker produce|drain <db> <broker-url> <client-id>\n");
    return 2;
  }
  const std::string mode = argv[1];
  core::blockHandledSignals();
  log::init(spdlog::level::warn, log::Output::kConsole);
  auto loop = core::makeSdEventLoop();
  if (!loop) return 1;
  const Clock& clock = SystemClock::instance();

  config::QueueConfig qcfg;
  qcfg.path = argv[2];
  qcfg.max_messages = 10'000'000;  // no drops by limit: any gap would be a loss
  qcfg.max_bytes = 1LL << 40;
  qcfg.drain_rate = 0;
  auto queue = queue::SqliteQueue::open(qcfg, clock);
  if (!queue) {
    std::fprintf(stderr, "%s\n", queue.error().message.c_str());
    return 1;
  }
  config::UplinkConfig ucfg;
  ucfg.url = argv[3];
  ucfg.client_id = argv[4];
  ucfg.reconnect.initial_delay_ms = 100;
  uplink::PahoUplink link(**loop, ucfg, clock);
  queue::Forwarder forwarder(**loop, **queue, link, qcfg, clock);
  if (auto r = link.start(); !r) {
    std::fprintf(stderr, "%s\n", r.error().message.c_str());
    return 1;
  }
  forwarder.start();
  std::printf("READY\n");
  std::fflush(stdout);

  auto stop = [&] {
    forwarder.shutdown();
    link.stop(std::chrono::seconds(2));
    (*loop)->requestStop(0);
  };
  Registration term = (*loop)->onSignal(SIGTERM, stop);
  Registration work;
  std::uint64_t made = 0;
  if (mode == "produce") {
    const auto pid = std::to_string(::getpid());
    work = (*loop)->every(std::chrono::milliseconds(2), [&, pid] {
      for (int i = 0; i < 4; ++i, ++made) {
        const bool alert = made % 10 == 9;
        forwarder.submit(Message{
            alert ? MessageClass::kAlert : MessageClass::kEvent, alert ? "tgw/crash/alerts" : "tgw/crash/events",
            R"({"pid":)" + pid + R"(,"i":)" + std::to_string(made) + "}", alert ? 2 : 1, false, toUnixMs(clock.now())});
      }
    });
  } else {
    work = (*loop)->every(std::chrono::milliseconds(20), [&] {
      const auto s = (*queue)->stats();
      if (s.messages == 0 && s.uncommitted == 0 && link.stats().in_flight == 0) {
        std::uint64_t drops = 0;
        for (auto d : s.drops) drops += d;
        std::printf("DRAINED last_seq=%llu drops=%llu\n", static_cast<unsigned long long>(s.last_seq),
                    static_cast<unsigned long long>(drops));
        std::fflush(stdout);
        stop();
      }
    });
  }
  auto rc = (*loop)->run();
  work.reset();
  term.reset();
  return rc ? *rc : 1;
}
