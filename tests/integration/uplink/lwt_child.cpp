// A tiny gateway for the SIGKILL test: loop + PahoUplink with a retained
// status topic. Prints "CONNECTED" once the session is up, then runs until
// killed. Usage: uplink_lwt_child <url> <client_id> <status_topic>
#include <cstdio>

#include "core/logging.hpp"
#include "core/sd_event_loop.hpp"
#include "tgw/uplink/uplink.hpp"
#include "uplink/paho/paho_uplink.hpp"

namespace {
class PrintListener : public tgw::UplinkListener {
 public:
  void onConnected() override {
    std::printf("CONNECTED\n");
    std::fflush(stdout);
  }
  void onDisconnected(const std::string&) override {}
  void onDelivered(std::uint64_t) override {}
  void onSendFailed(std::uint64_t, const std::string&) override {}
  void onMessage(const std::string&, const std::string&, int) override {}
};
}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) return 64;
  tgw::core::blockHandledSignals();
  auto loop = tgw::core::makeSdEventLoop();
  if (!loop) return 1;
  tgw::config::UplinkConfig cfg;
  cfg.url = argv[1];
  cfg.client_id = argv[2];
  cfg.keepalive_s = 5;
  const std::string topic = argv[3];
  tgw::uplink::PahoUplink uplink(**loop, cfg, tgw::SystemClock::instance());
  PrintListener listener;
  uplink.setListener(&listener);
  uplink.setStatusProvider([topic](bool online, std::string_view reason) {
    tgw::Message m;
    m.cls = tgw::MessageClass::kStatus;
    m.topic = topic;
    m.qos = 1;
    m.retain = true;
    m.payload = online ? std::string(R"({"online":true})")
                       : R"({"online":false,"reason":")" + std::string(reason) + "\"}";
    return std::vector<tgw::Message>{m};
  });
  if (!uplink.start()) return 2;
  auto rc = (*loop)->run();
  uplink.stop(std::chrono::seconds(2));
  return rc ? *rc : 3;
}
