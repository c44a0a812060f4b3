#include "uplink/modem/modem_mqtt_uplink.hpp"

#include "uplink/modem/modem_at.hpp"

#include <deque>
#include <mutex>
#include <random>
#include <unordered_set>

#include <fmt/format.h>

#include "core/logging.hpp"
#include "sources/modem/at_channel.hpp"
#include "sources/serial/serial_port.hpp"
#include "uplink/paho/backoff.hpp"

namespace tgw::uplink {

using sources::modem::AtChannel;
using sources::modem::AtReply;

class ModemMqttUplink::Impl : public std::enable_shared_from_this<ModemMqttUplink::Impl> {
 public:
  Impl(EventLoop& loop, config::UplinkConfig cfg, const Clock& clock)
      : loop_(loop), cfg_(std::move(cfg)), m_(cfg_.modem), clock_(clock), log_(log::get("uplink.modem")),
        backoff_(cfg_.reconnect, std::random_device{}()) {
    if (m_.client_id.empty()) m_.client_id = (cfg_.client_id.empty() ? std::string("tgw") : cfg_.client_id) + "-cell";
    stats_.broker = "modem mqtt://" + m_.url;
  }

  struct Step {
    std::string command;
    std::chrono::milliseconds timeout;
    bool ignore_error = false;
    std::string payload;  // AT+SMPUB: written after the '>' prompt
    bool prompt = false;
  };

  static Step step(std::string command, std::chrono::milliseconds timeout, bool ignore_error = false) {
    Step s;
    s.command = std::move(command);
    s.timeout = timeout;
    s.ignore_error = ignore_error;
    return s;
  }

  // ---- connect sequence
  void attempt() {
    if (!running_) return;
    setState(LinkState::kConnecting);
    const auto cmd_timeout = std::chrono::milliseconds(m_.command_timeout_ms);
    std::vector<Step> steps;
    steps.push_back(step("AT+SMDISC", cmd_timeout, true));  // a stale session from before
    const auto colon = m_.url.rfind(':');
    const std::string host = colon == std::string::npos ? m_.url : m_.url.substr(0, colon);
    const std::string port = colon == std::string::npos ? (m_.tls ? "8883" : "1883") : m_.url.substr(colon + 1);
    steps.push_back(step(fmt::format("AT+SMCONF=\"URL\",{},{}", atQuote(host), port), cmd_timeout));
    steps.push_back(step(fmt::format("AT+SMCONF=\"CLIENTID\",{}", atQuote(m_.client_id)), cmd_timeout));
    steps.push_back(step(fmt::format("AT+SMCONF=\"KEEPTIME\",{}", m_.keepalive_s), cmd_timeout));
    steps.push_back(step("AT+SMCONF=\"CLEANSS\",0", cmd_timeout));
    if (!m_.username.empty()) steps.push_back(step(fmt::format("AT+SMCONF=\"USERNAME\",{}", atQuote(m_.username)), cmd_timeout));
    if (!m_.password.empty()) {
      auto pw = m_.password.resolve();  // re-read on every attempt
      if (!pw) {
        return fail({pw.error().code, fmt::format("cannot read the modem MQTT password ({}): {}",
                                                  m_.password.describe(), pw.error().message)});
      }
      if (!atQuotable(*pw)) return fail({Errc::kConfig, "the modem MQTT password contains a quote"});
      steps.push_back(step(fmt::format("AT+SMCONF=\"PASSWORD\",{}", atQuote(*pw)), cmd_timeout));
    }
    steps.push_back(step("AT+SMCONF=\"QOS\",1", cmd_timeout));
    if (const auto will = willMessage()) {
      // A JSON will carries '"': SIMCom's parser takes the value up to the
      // last quote; firmware that refuses it answers ERROR, which is logged
      // and leaves the session without a will rather than failing it.
      const bool risky = will->payload.find('"') != std::string::npos;
      steps.push_back(step(fmt::format("AT+SMCONF=\"TOPIC\",{}", atQuote(will->topic)), cmd_timeout));
      steps.push_back(step(fmt::format("AT+SMCONF=\"MESSAGE\",{}", atQuote(will->payload)), cmd_timeout, risky));
      steps.push_back(step(fmt::format("AT+SMCONF=\"RETAIN\",{}", will->retain ? 1 : 0), cmd_timeout));
    }
    if (m_.tls) {
      steps.push_back(step(fmt::format("AT+SMSSL=1,{},{}", atQuote(m_.tls_ca_name), atQuote(m_.tls_cert_name)), cmd_timeout));
    }
    steps.push_back(step("AT+SMCONN", std::chrono::milliseconds(m_.connect_timeout_ms)));
    for (const auto& s : statusMessages(true, "")) {
      if (!checkLimits(s, m_)) continue;
      steps.push_back(publishStep(s));
    }
    for (const auto& sub : subscriptions_) {
      if (!atQuotable(sub.filter) || static_cast<int>(sub.filter.size()) > m_.max_topic) {
        log_->warn("subscription '{}' cannot be made through the modem (quote / line break or longer than {} bytes)",
                   sub.filter, m_.max_topic);
        continue;
      }
      steps.push_back(step(fmt::format("AT+SMSUB={},{}", atQuote(sub.filter), std::min(sub.qos, 1)), cmd_timeout));
    }
    const std::uint64_t gen = ++generation_;
    runSteps(std::make_shared<std::vector<Step>>(std::move(steps)), 0, gen, [this, gen](Expected<void> r) {
      if (gen != generation_ || !running_) return;
      if (!r) return fail(r.error());
      connected();
    });
  }

  Step publishStep(const Message& m) const {
    Step s;
    s.command = fmt::format("AT+SMPUB={},{},{},{}", atQuote(m.topic), m.payload.size(), std::min(m.qos, 1), m.retain ? 1 : 0);
    s.timeout = std::chrono::milliseconds(m_.command_timeout_ms);
    s.payload = m.payload;
    s.prompt = true;
    return s;
  }

  void runSteps(std::shared_ptr<std::vector<Step>> steps, std::size_t i, std::uint64_t gen,
                std::function<void(Expected<void>)> done) {
    if (i >= steps->size()) return done({});
    const Step& s = (*steps)[i];
    // The channel may be shared and outlive us: callbacks hold a weak reference.
    auto next = [weak = weak_from_this(), this, steps, i, gen, done, ignore = s.ignore_error](Expected<AtReply> r) {
      const auto self = weak.lock();
      if (!self || gen != generation_) return;
      if (!r && !ignore) return done(tl::unexpected(explain((*steps)[i], r.error())));
      if (!r && (*steps)[i].command != "AT+SMDISC") {
        log_->warn("modem: {} refused ({}); continuing without it", (*steps)[i].command.substr(0, 40),
                   r.error().message);
      }
      runSteps(steps, i + 1, gen, done);
    };
    if (s.prompt) {
      channel_->sendWithPayload(s.command, s.payload, s.timeout, std::move(next));
    } else {
      channel_->send(s.command, s.timeout, std::move(next));
    }
  }

  static Error explain(const Step& s, const Error& e) {
    std::string cmd = s.command.rfind("AT+SMCONF=\"PASSWORD\"", 0) == 0 ? "AT+SMCONF=\"PASSWORD\",..." : s.command;
    if (s.command == "AT+SMCONN") {
      return {e.code, fmt::format("modem could not connect to the broker (AT+SMCONN: {}); check the APN/network "
                                  "registration, modem.url and the credentials", e.message)};
    }
    if (s.prompt && e.code == Errc::kTimeout) {
      return {e.code, fmt::format("modem did not answer {} (no '>' prompt or no OK): {}", cmd, e.message)};
    }
    return {e.code, fmt::format("modem: {} failed: {}", cmd, e.message)};
  }

  void connected() {
    backoff_.reset();
    {
      std::lock_guard lk(mu_);
      stats_.state = LinkState::kConnected;
      stats_.last_error.clear();
      ++stats_.connects;
    }
    if (!logged_error_.empty()) log_->info("modem MQTT connected to {} after failures", m_.url);
    else log_->info("modem MQTT connected to {} as '{}'", m_.url, m_.client_id);
    logged_error_.clear();
    armHealth();
    if (listener_ != nullptr) listener_->onConnected();
  }

  void fail(const Error& e) {
    const bool was_connected = state() == LinkState::kConnected;
    linkDown(e.message, was_connected);
    if (!running_) return;
    const auto delay = backoff_.next();
    const std::string text = fmt::format("{}; retrying in {:g} s", e.message, delay.count() / 1000.0);
    {
      std::lock_guard lk(mu_);
      stats_.last_error = text;
    }
    if (e.message != logged_error_) {
      log_->warn("{}", text);
      logged_error_ = e.message;
    } else {
      log_->debug("{}", text);
    }
    retry_timer_ = loop_.after(delay, [weak = weak_from_this()] {
      if (auto self = weak.lock()) self->attempt();
    });
  }

  // Everything in flight is handed back; the state is set first so the
  // caller sees a link failure (not a refused message).
  void linkDown(const std::string& reason, bool notify) {
    health_timer_.reset();
    ++generation_;
    setState(LinkState::kDisconnected);
    auto tokens = std::move(inflight_);
    inflight_.clear();
    syncInflight();
    if (notify) {
      std::lock_guard lk(mu_);
      ++stats_.disconnects;
    }
    if (listener_ == nullptr) return;
    if (notify) listener_->onDisconnected(reason);
    for (auto t : tokens) {
      {
        std::lock_guard lk(mu_);
        ++stats_.failed;
      }
      listener_->onSendFailed(t, reason);
    }
  }

  void armHealth() {
    health_timer_ = loop_.after(std::chrono::seconds(m_.health_interval_s), [weak = weak_from_this()] {
      if (auto self = weak.lock()) self->checkHealth();
    });
  }

  void checkHealth() {
    if (state() != LinkState::kConnected) return;
    const std::uint64_t gen = generation_;
    channel_->send("AT+SMSTATE?", std::chrono::milliseconds(m_.command_timeout_ms),
                   [weak = weak_from_this(), this, gen](Expected<AtReply> r) {
                     const auto self = weak.lock();
                     if (!self || gen != generation_ || state() != LinkState::kConnected) return;
                     if (!r) return fail({r.error().code, "modem: AT+SMSTATE? failed: " + r.error().message});
                     const std::string* line = r->find("+SMSTATE:");
                     if (line != nullptr && line->find('0') != std::string::npos &&
                         line->find_first_of("12") == std::string::npos) {
                       return fail({Errc::kUnavailable, "modem reports the MQTT session is down (+SMSTATE: 0)"});
                     }
                     armHealth();
                   });
  }

  void onUrc(const std::string& line) {
    if (line.starts_with("+SMSUB:")) {
      std::string topic, payload;
      if (!parseSmsub(line, topic, payload)) {
        log_->warn("modem: cannot parse '{}'", line.substr(0, 80));
        return;
      }
      if (listener_ != nullptr) listener_->onMessage(topic, payload, 1);
      return;
    }
    if (line.starts_with("+SMSTATE:") && state() == LinkState::kConnected && line.find('0') != std::string::npos &&
        line.find_first_of("12") == std::string::npos) {
      fail({Errc::kUnavailable, "modem reports the MQTT session is down (+SMSTATE: 0)"});
    }
  }

  std::optional<Message> willMessage() {
    const auto will = statusMessages(false, "unexpected_disconnect");
    if (will.empty()) return std::nullopt;
    const Message* w = &will.front();
    for (const auto& m : will) {
      if (!cfg_.will_topic.empty() && m.topic == cfg_.will_topic) w = &m;
    }
    if (!atQuotable(w->topic) || w->payload.find_first_of("\r\n") != std::string::npos) {
      log_->warn("the Last Will for {} contains a line break or its topic a quote, which AT+SMCONF cannot carry: "
                 "no will on the modem session", w->topic);
      return std::nullopt;
    }
    return *w;
  }

  std::vector<Message> statusMessages(bool online, std::string_view reason) {
    if (!status_provider_) return {};
    try {
      return status_provider_(online, reason);
    } catch (const std::exception& e) {
      log_->error("status provider failed: {}", e.what());
      return {};
    }
  }

  void syncInflight() {
    std::lock_guard lk(mu_);
    stats_.in_flight = inflight_.size();
  }

  LinkState state() const {
    std::lock_guard lk(mu_);
    return stats_.state;
  }
  void setState(LinkState s) {
    std::lock_guard lk(mu_);
    stats_.state = s;
  }

  // ---- API
  Expected<void> start() {
    if (running_) return makeError(Errc::kBusy, "modem uplink already started");
    if (m_.url.empty()) return makeError(Errc::kConfig, "uplink.modem.url is empty (host:port of the broker)");
    running_ = true;
    if (own_channel_ && !channel_started_) {
      channel_started_ = true;
      own_channel_->start(loop_, [weak = weak_from_this()](bool up, const std::string& detail) {
        auto self = weak.lock();
        if (!self || !self->running_) return;
        if (!up) {
          if (self->state() != LinkState::kDisconnected) {
            self->fail({Errc::kUnavailable, "modem port: " + detail});
          }
        } else if (self->state() == LinkState::kDisconnected) {
          self->retry_timer_.reset();
          self->attempt();
        }
      });
    }
    urc_sub_ = channel_->subscribe("+SM", [weak = weak_from_this()](const std::string& line) {
      if (auto self = weak.lock()) self->onUrc(line);
    });
    setState(LinkState::kDisconnected);
    attempt();
    return {};
  }

  void release() {
    if (!running_) return;
    running_ = false;
    retry_timer_.reset();
    const bool was = state() == LinkState::kConnected;
    if (was) channel_->send("AT+SMDISC", std::chrono::milliseconds(m_.command_timeout_ms), [](Expected<AtReply>) {});
    linkDown("modem session released (IP link back)", was);
    setState(LinkState::kStopped);
    urc_sub_.reset();
  }

  void stop(std::chrono::milliseconds timeout) {
    if (!running_) return;
    running_ = false;
    retry_timer_.reset();
    const bool was = state() == LinkState::kConnected;
    setState(LinkState::kStopping);
    if (was) syncGoodbye(timeout);
    linkDown("shutdown", was);
    urc_sub_.reset();
    if (own_channel_ && channel_started_) own_channel_->stop();
    channel_started_ = false;
    setState(LinkState::kStopped);
  }

  // The loop is blocked in stop(), so the AtChannel cannot run: write the
  // offline status and AT+SMDISC on a second descriptor of the port.
  void syncGoodbye(std::chrono::milliseconds timeout) {
    std::vector<DirectCommand> cmds;
    for (const auto& m : statusMessages(false, "shutdown")) {
      if (!checkLimits(m, m_)) continue;
      const Step st = publishStep(m);
      cmds.push_back({st.command, st.payload});
    }
    cmds.push_back({"AT+SMDISC", {}});
    if (auto r = exchangeDirect({m_.device, m_.baud, 8, 'N', 1}, cmds, timeout); !r) {
      log_->warn("modem: offline status / AT+SMDISC at shutdown not confirmed: {}", r.error().message);
      return;
    }
    log_->info("modem MQTT disconnected (shutdown)");
  }

  std::size_t freeWindow() const {
    if (state() != LinkState::kConnected) return 0;
    return static_cast<std::size_t>(std::max<long>(0, m_.inflight_window - static_cast<long>(inflight_.size())));
  }

  bool send(std::uint64_t token, const Message& message) {
    if (state() != LinkState::kConnected || inflight_.contains(token) ||
        static_cast<int>(inflight_.size()) >= m_.inflight_window) {
      return false;
    }
    inflight_.insert(token);
    syncInflight();
    {
      std::lock_guard lk(mu_);
      ++stats_.published;
    }
    if (auto ok = checkLimits(message, m_); !ok) {
      // Accepted and refused on the next loop turn (never inside send()).
      loop_.post([weak = weak_from_this(), token, why = ok.error().message] {
        auto self = weak.lock();
        if (!self || self->inflight_.erase(token) == 0) return;
        self->syncInflight();
        {
          std::lock_guard lk(self->mu_);
          ++self->stats_.failed;
        }
        self->log_->warn("not sent through the modem: {}", why);
        if (self->listener_ != nullptr) self->listener_->onSendFailed(token, why);
      });
      return true;
    }
    const Step s = publishStep(message);
    const std::uint64_t gen = generation_;
    channel_->sendWithPayload(s.command, s.payload, s.timeout,
                              [weak = weak_from_this(), this, token, gen, s](Expected<AtReply> r) {
      const auto self = weak.lock();
      if (!self || gen != generation_ || !inflight_.contains(token)) return;
      if (!r) {
        // ERROR, timeout or a missing '>' prompt: the session is suspect.
        // Link down first (the message goes back to the queue as a link
        // failure, not as a refused message), then reconnect with backoff.
        return fail(explain(s, r.error()));
      }
      inflight_.erase(token);
      syncInflight();
      {
        std::lock_guard lk(mu_);
        ++stats_.acked;
        stats_.last_ack_ms = toUnixMs(clock_.now());
      }
      if (listener_ != nullptr) listener_->onDelivered(token);
    });
    return true;
  }

  UplinkStats stats() const {
    std::lock_guard lk(mu_);
    UplinkStats s = stats_;
    return s;
  }

  EventLoop& loop_;
  config::UplinkConfig cfg_;
  config::ModemUplinkConfig m_;
  const Clock& clock_;
  std::shared_ptr<spdlog::logger> log_;
  Backoff backoff_;
  std::unique_ptr<AtChannel> own_channel_;
  AtChannel* channel_ = nullptr;
  UplinkListener* listener_ = nullptr;
  StatusProvider status_provider_;
  std::vector<TopicSubscription> subscriptions_;
  bool running_ = false;
  bool channel_started_ = false;
  std::uint64_t generation_ = 0;  // bumped at every link change: late replies are ignored
  std::unordered_set<std::uint64_t> inflight_;
  Registration retry_timer_;
  Registration health_timer_;
  Registration urc_sub_;
  std::string logged_error_;
  mutable std::mutex mu_;
  UplinkStats stats_;
};

ModemMqttUplink::ModemMqttUplink(EventLoop& loop, config::UplinkConfig cfg, const Clock& clock)
    : impl_(std::make_shared<Impl>(loop, std::move(cfg), clock)) {
  sources::serial::LinkOptions opts;
  impl_->own_channel_ = std::make_unique<AtChannel>(
      sources::serial::PortSettings{impl_->m_.device, impl_->m_.baud, 8, 'N', 1}, opts, "uplink.modem.at", clock);
  impl_->channel_ = impl_->own_channel_.get();
}

ModemMqttUplink::ModemMqttUplink(EventLoop& loop, config::UplinkConfig cfg, const Clock& clock, AtChannel& channel)
    : impl_(std::make_shared<Impl>(loop, std::move(cfg), clock)) {
  impl_->channel_ = &channel;
}

ModemMqttUplink::~ModemMqttUplink() { impl_->stop(std::chrono::milliseconds(impl_->cfg_.shutdown_timeout_ms)); }

void ModemMqttUplink::setListener(UplinkListener* listener) { impl_->listener_ = listener; }
void ModemMqttUplink::setStatusProvider(StatusProvider provider) { impl_->status_provider_ = std::move(provider); }
void ModemMqttUplink::setSubscriptions(std::vector<TopicSubscription> subscriptions) {
  impl_->subscriptions_ = std::move(subscriptions);
}
Expected<void> ModemMqttUplink::start() { return impl_->start(); }
void ModemMqttUplink::stop(std::chrono::milliseconds timeout) { impl_->stop(timeout); }
void ModemMqttUplink::release() { impl_->release(); }
void ModemMqttUplink::reconnect() {
  if (!impl_->running_) return;
  impl_->fail({Errc::kUnavailable, "reconnect requested"});
}
std::size_t ModemMqttUplink::freeWindow() const { return impl_->freeWindow(); }
bool ModemMqttUplink::send(std::uint64_t token, const Message& message) { return impl_->send(token, message); }
UplinkStats ModemMqttUplink::stats() const { return impl_->stats(); }

}  // namespace tgw::uplink
