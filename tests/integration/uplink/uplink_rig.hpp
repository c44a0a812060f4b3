// One PahoUplink on a loop thread with a recording listener.
#pragma once

#include <gtest/gtest.h>

#include <spdlog/sinks/ringbuffer_sink.h>

#include "core/logging.hpp"
#include "uplink/paho/paho_uplink.hpp"
#include "uplink_harness.hpp"

namespace tgw::test {

class UplinkRig {
 public:
  explicit UplinkRig(config::UplinkConfig cfg, const std::string& status_topic = "",
                     std::vector<TopicSubscription> subs = {})
      : listener(lt.loop()) {
    uplink = std::make_unique<uplink::PahoUplink>(lt.loop(), std::move(cfg), SystemClock::instance());
    uplink->setListener(&listener);
    if (!status_topic.empty()) uplink->setStatusProvider(statusProvider(status_topic));
    uplink->setSubscriptions(std::move(subs));
  }
  ~UplinkRig() {
    lt.sync([this] { uplink.reset(); });
  }
  void start() { ASSERT_TRUE(uplink->start().has_value()); }
  void stop() {
    lt.sync([this] { uplink->stop(std::chrono::seconds(2)); });
  }
  bool send(std::uint64_t token, const std::string& topic, const std::string& payload, int qos) {
    bool ok = false;
    Message m;
    m.topic = topic;
    m.payload = payload;
    m.qos = qos;
    lt.sync([&] { ok = uplink->send(token, m); });
    return ok;
  }
  bool waitConnected(int n = 1, std::chrono::milliseconds t = std::chrono::seconds(10)) {
    return waitFor([&] { return listener.connected() >= n; }, t);
  }

  LoopThread lt;
  RecordingListener listener;
  std::unique_ptr<uplink::PahoUplink> uplink;
};

// Captures what the "uplink" logger writes while it lives.
class LogCapture {
 public:
  LogCapture() : sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(2000)) {
    log::addSink(sink_);
    log::get("uplink")->set_level(spdlog::level::debug);
  }
  ~LogCapture() { log::removeSink(sink_); }
  std::vector<std::string> lines() const { return sink_->last_formatted(); }
  int count(const std::string& text, const std::string& level = "") const {
    int n = 0;
    for (const auto& l : lines()) {
      if (l.find(text) != std::string::npos && (level.empty() || l.find(level) != std::string::npos)) ++n;
    }
    return n;
  }

 private:
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
};

}  // namespace tgw::test
