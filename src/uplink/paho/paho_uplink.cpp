// PahoUplink: the public API, Paho's callbacks and the event hand-off into
// the loop. The connector thread lives in paho_connector.cpp.
#include "uplink/paho/paho_uplink.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include "uplink/paho/paho_uplink_impl.hpp"

namespace tgw::uplink {

// ---------------------------------------------------------------- PahoUplink

PahoUplink::PahoUplink(EventLoop& loop, config::UplinkConfig cfg, const Clock& clock)
    : impl_(std::make_shared<Impl>(loop, std::move(cfg), clock)) {}

PahoUplink::~PahoUplink() {
  impl_->stop(std::chrono::milliseconds(impl_->cfg_.shutdown_timeout_ms));
}

void PahoUplink::setListener(UplinkListener* listener) { impl_->listener_ = listener; }
void PahoUplink::setStatusProvider(StatusProvider provider) {
  std::lock_guard lk(impl_->mu_);
  impl_->status_provider_ = std::move(provider);
}
void PahoUplink::setSubscriptions(std::vector<TopicSubscription> subscriptions) {
  std::lock_guard lk(impl_->mu_);
  impl_->subscriptions_ = std::move(subscriptions);
}
Expected<void> PahoUplink::start() { return impl_->start(); }
void PahoUplink::stop(std::chrono::milliseconds timeout) { impl_->stop(timeout); }
void PahoUplink::reconnect() { impl_->reconnect(); }
std::size_t PahoUplink::freeWindow() const { return impl_->freeWindow(); }
bool PahoUplink::send(std::uint64_t token, const Message& message) { return impl_->send(token, message); }
UplinkStats PahoUplink::stats() const { return impl_->stats(); }

// ---------------------------------------------------------------- Impl

PahoUplink::Impl::Impl(EventLoop& loop, config::UplinkConfig cfg, const Clock& clock)
    : loop_(loop),
      cfg_(std::move(cfg)),
      clock_(clock),
      log_(log::get("uplink")),
      v5_(cfg_.protocol == "5"),
      watchdog_(clock, cfg_.keepalive_s) {
  if (cfg_.endpoints.empty()) cfg_.endpoints.push_back(cfg_.url);
  if (auto url = parseBrokerUrl(cfg_.endpoints.front(), cfg_.tls.enabled)) {
    url_ = *url;
    stats_.broker = url_->display();
  } else {
    stats_.broker = cfg_.endpoints.front();
  }
}

PahoUplink::Impl::~Impl() {
  // Paho's callbacks use this object: the client goes first.
  client_.reset();
}

Expected<void> PahoUplink::Impl::start() {
  std::vector<BrokerUrl> endpoints;
  for (const auto& text : cfg_.endpoints) {
    auto parsed = parseBrokerUrl(text, cfg_.tls.enabled);
    if (!parsed) return tl::unexpected(parsed.error());
    endpoints.push_back(*parsed);
  }
  if (cfg_.aws.enabled) {
    bool any = false;
    for (const auto& e : endpoints) {
      any = any || e.websocket;
      if (e.websocket && !e.tls) {
        log_->warn("uplink.aws.sigv4 with {}: the signed URL and session token travel unencrypted (AWS IoT needs "
                   "wss://)", e.display());
      }
    }
    if (!any) return makeError(Errc::kConfig, "uplink.aws.sigv4 signs WebSocket URLs, but no endpoint is wss://");
  }
  const BrokerUrl* url = &endpoints.front();
  if (cfg_.inflight_window < 1 || cfg_.inflight_window >= cfg_.max_inflight) {
    return makeError(Errc::kConfig, fmt::format("uplink.inflight_window ({}) must be between 1 and max_inflight-1 ({}) "
                                                "(Paho stalls ~1 s per message when its own window is full)",
                                                cfg_.inflight_window, cfg_.max_inflight - 1));
  }
  if (cfg_.client_id.empty()) {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    cfg_.client_id = fmt::format("tgw-{}", host);
    log_->warn("uplink.client_id is empty; using '{}' (set it to the gateway's device_id)", cfg_.client_id);
  }
  if (url->tls && !cfg_.tls.verify_server) {
    log_->error("TLS server certificate verification is OFF (uplink.tls.insecure): anyone on the network path can "
                "impersonate the broker {}",
                url->display());
  } else if (url->tls && !cfg_.tls.verify_hostname) {
    log_->warn("TLS host name verification is OFF (uplink.tls.verify_hostname: false) for {}", url->display());
  }
  if (!url->tls && (!cfg_.tls.pins.empty() || !cfg_.tls.cert_file.empty())) {
    log_->warn("uplink.tls settings are ignored: {} is not a TLS URL (use mqtts://)", cfg_.url);
  }
  std::lock_guard lk(mu_);
  if (started_) return makeError(Errc::kBusy, "uplink already started");
  endpoints_ = std::move(endpoints);
  current_ = last_good_ = 0;
  url_ = endpoints_.front();
  started_ = true;
  stop_requested_ = false;
  stats_.state = LinkState::kDisconnected;
  stats_.broker = url_->display();
  connector_ = std::thread([this] { connectorMain(); });
  return {};
}

void PahoUplink::Impl::reconnect() {
  std::lock_guard lk(mu_);
  if (!started_ || stop_requested_) return;
  reconnect_requested_ = true;
  cv_.notify_all();
}

std::size_t PahoUplink::Impl::freeWindow() const {
  std::lock_guard lk(mu_);
  if (stats_.state != LinkState::kConnected) return 0;
  const auto used = static_cast<long>(inflight_.size());
  const long ours = cfg_.inflight_window - used;
  // Paho's window also holds messages handed back after a link drop that
  // Paho still retransmits: never let Paho's own window fill up.
  // The watchdog's probe (an UNSUBSCRIBE) takes a slot of Paho's window too.
  const long paho = cfg_.max_inflight - 1 - used - static_cast<long>(zombies_.size()) - (watchdog_.probing() ? 1 : 0);
  return static_cast<std::size_t>(std::max(0L, std::min(ours, paho)));
}

bool PahoUplink::Impl::send(std::uint64_t token, const Message& message) {
  if (message.qos < 0 || message.qos > 2) {
    log_->error("message for {} has QoS {}; not sent", message.topic, message.qos);
    return false;
  }
  std::uint64_t ctx = 0;
  {
    std::unique_lock lk(mu_);
    if (stats_.state != LinkState::kConnected || tokens_.contains(token)) return false;
    const auto used = static_cast<long>(inflight_.size());
    const long paho_used = used + static_cast<long>(zombies_.size()) + (watchdog_.probing() ? 1 : 0);
    if (used >= cfg_.inflight_window || paho_used >= cfg_.max_inflight - 1) return false;
    ctx = next_ctx_++;
    inflight_.emplace(ctx, InFlight{token, message.qos});
    tokens_.insert(token);
    watchdog_.sent();
  }
  try {
    auto msg = mqtt::make_message(message.topic, message.payload, message.qos, message.retain);
    std::lock_guard client_lock(client_mu_);
    if (!client_) throw mqtt::exception(-1, "no client");
    client_->publish(msg, reinterpret_cast<void*>(ctx), publish_listener_);  // NOLINT(performance-no-int-to-ptr)
  } catch (const mqtt::exception& e) {
    std::lock_guard lk(mu_);
    if (inflight_.erase(ctx) != 0) tokens_.erase(token);
    if (inflight_.empty()) watchdog_.idle();
    log_->debug("publish to {} not accepted by Paho: {}", message.topic, e.what());
    return false;
  }
  std::lock_guard lk(mu_);
  ++stats_.published;
  return true;
}

UplinkStats PahoUplink::Impl::stats() const {
  std::lock_guard lk(mu_);
  UplinkStats s = stats_;
  s.in_flight = inflight_.size();
  return s;
}

void PahoUplink::Impl::stop(std::chrono::milliseconds timeout) {
  {
    std::lock_guard lk(mu_);
    if (!started_) return;
    started_ = false;
    stop_requested_ = true;
    stats_.state = LinkState::kStopping;
    cv_.notify_all();
  }
  if (connector_.joinable()) connector_.join();
  bool was_connected = false;
  if (client_) {
    try {
      was_connected = client_->is_connected();
      if (was_connected) {
        // Offline status first, then a normal DISCONNECT: the broker drops
        // the will, so "shutdown" is the last word, not "unexpected_disconnect".
        publishAndWait(statusMessages(false, "shutdown"), timeout);
        client_->disconnect(0)->wait_for(std::max(timeout, std::chrono::milliseconds(500)));
        log_->info("disconnected from {} (shutdown)", url_ ? url_->display() : cfg_.url);
      }
    } catch (const mqtt::exception& e) {
      log_->warn("clean disconnect from {} failed: {}", url_ ? url_->display() : cfg_.url, e.what());
    }
  }
  {
    std::lock_guard lk(mu_);
    for (const auto& [ctx, f] : inflight_) {
      pushEvent({Event::Kind::kFailed, f.token, "uplink stopped", {}, 0});
      ++stats_.failed;
    }
    inflight_.clear();
    tokens_.clear();
    zombies_.clear();
    if (was_connected) {
      ++stats_.disconnects;
      pushEvent({Event::Kind::kDisconnected, 0, "shutdown", {}, 0});
    }
    stats_.state = LinkState::kStopped;
  }
  drainEvents();
}

// ---------------------------------------------------------------- events

void PahoUplink::Impl::pushEvent(Event ev) {
  events_.push_back(std::move(ev));
  if (!drain_posted_) {
    drain_posted_ = true;
    loop_.post([weak = weak_from_this()] {
      if (auto self = weak.lock()) self->drainEvents();
    });
  }
}

void PahoUplink::Impl::drainEvents() {
  std::deque<Event> events;
  {
    std::lock_guard lk(mu_);
    events.swap(events_);
    drain_posted_ = false;
  }
  if (listener_ == nullptr) return;
  for (auto& ev : events) {
    try {
      switch (ev.kind) {
        case Event::Kind::kDelivered: listener_->onDelivered(ev.token); break;
        case Event::Kind::kFailed: listener_->onSendFailed(ev.token, ev.a); break;
        case Event::Kind::kMessage: listener_->onMessage(ev.a, ev.b, ev.qos); break;
        case Event::Kind::kConnected: listener_->onConnected(); break;
        case Event::Kind::kDisconnected: listener_->onDisconnected(ev.a); break;
      }
    } catch (const std::exception& e) {
      log_->error("uplink listener threw: {}", e.what());
    }
  }
}

// ---------------------------------------------------------------- Paho callbacks

void PahoUplink::Impl::PublishListener::on_success(const mqtt::token& tok) {
  impl_.onPublishDone(reinterpret_cast<std::uint64_t>(tok.get_user_context()), true, {});
}

void PahoUplink::Impl::PublishListener::on_failure(const mqtt::token& tok) {
  std::string reason = fmt::format("publish failed (Paho rc {})", tok.get_return_code());
  if (tok.get_reason_code() >= 0x80) {
    reason = fmt::format("broker rejected the publish (reason 0x{:02X})", static_cast<int>(tok.get_reason_code()));
  }
  impl_.onPublishDone(reinterpret_cast<std::uint64_t>(tok.get_user_context()), false, reason);
}

void PahoUplink::Impl::onPublishDone(std::uint64_t ctx, bool ok, const std::string& reason) noexcept {
  try {
    std::lock_guard lk(mu_);
    const auto it = inflight_.find(ctx);
    if (it == inflight_.end()) {
      zombies_.erase(ctx);  // handed back earlier; its fate no longer matters
      return;
    }
    const std::uint64_t token = it->second.token;
    if (ok && it->second.qos > 0) watchdog_.heard();  // a PUBACK / PUBCOMP
    inflight_.erase(it);
    tokens_.erase(token);
    if (inflight_.empty()) watchdog_.idle();
    if (ok) {
      ++stats_.acked;
      stats_.last_ack_ms = toUnixMs(clock_.now());
      pushEvent({Event::Kind::kDelivered, token, {}, {}, 0});
    } else {
      ++stats_.failed;
      pushEvent({Event::Kind::kFailed, token, reason, {}, 0});
    }
  } catch (...) {  // allocation failure: nothing sensible to do on Paho's thread
  }
}

void PahoUplink::Impl::onConnectionLost(const std::string& cause) noexcept {
  try {
    std::lock_guard lk(mu_);
    link_lost_ = true;
    lost_cause_ = cause.empty() ? "connection lost" : "connection lost: " + cause;
    if (stats_.state == LinkState::kConnected) stats_.state = LinkState::kDisconnected;
    cv_.notify_all();
  } catch (...) {
  }
}

void PahoUplink::Impl::onMessageArrived(const mqtt::const_message_ptr& msg) noexcept {
  try {
    if (!msg) return;
    std::lock_guard lk(mu_);
    watchdog_.heard();
    pushEvent({Event::Kind::kMessage, 0, msg->get_topic(), msg->to_string(), msg->get_qos()});
  } catch (...) {
  }
}

// ---------------------------------------------------------------- dead-link watchdog

bool PahoUplink::Impl::superviseLink(std::unique_lock<std::mutex>& lk, std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  const auto period = watchdog_.checkPeriod();
  for (;;) {
    if (linkWoken()) return true;
    if (watchdog_.probeDue()) {
      // Quiet for a third of the keep-alive: ask the broker for an answer.
      watchdog_.probeSent();
      lk.unlock();  // Paho's send thread calls our callbacks (which take mu_) holding its own mutex
      sendProbe();
      lk.lock();
      continue;
    }
    if (const auto silent = watchdog_.expired()) {
      dead_cause_ = fmt::format("connection lost: no acknowledgement from the broker for {:.1f} s (keep-alive {} s)",
                                static_cast<double>(silent->count()) / 1000.0, cfg_.keepalive_s);
      log_->warn("{}; reconnecting", dead_cause_);
      dead_link_ = true;
      if (stats_.state == LinkState::kConnected) stats_.state = LinkState::kDisconnected;
      return true;
    }
    auto step = period;
    if (limit.count() > 0) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      step = std::min(step, left);
    }
    cv_.wait_for(lk, step, [&] { return linkWoken(); });
  }
}

void PahoUplink::Impl::dropDeadLink(std::unique_lock<std::mutex>& lk) {
  // The watchdog gave up on a link Paho still thinks is up: hand back what
  // is in flight (it stays in the queue and is sent again), drop Paho's
  // client, and let the connector reconnect like after a lost link.
  // Not disconnect(): Paho C queues a DISCONNECT behind the publishes that
  // wait for the full socket, so it would run only later and close the next
  // session. Destroying the client closes the socket at once; the broker
  // keeps our session and the next attempt makes a new client.
  dead_link_ = false;
  linkDown(lk, dead_cause_);
  discardClient(lk);
}

namespace {
// Never subscribed: unsubscribing from it changes nothing, delivers nothing,
// and needs no ACL entry; the broker must still answer with UNSUBACK.
constexpr const char* kProbeTopic = "tgw/link-probe";
}  // namespace

void PahoUplink::Impl::sendProbe() {
  try {
    std::lock_guard client_lock(client_mu_);
    if (!client_) throw mqtt::exception(-1, "no client");
    client_->unsubscribe(kProbeTopic, nullptr, probe_listener_);
  } catch (const mqtt::exception& e) {
    log_->debug("link probe not sent: {}", e.what());
    std::lock_guard lk(mu_);
    watchdog_.probeDone(false);
  }
}

void PahoUplink::Impl::ProbeListener::on_success(const mqtt::token& /*tok*/) { impl_.onProbeDone(true); }

void PahoUplink::Impl::ProbeListener::on_failure(const mqtt::token& tok) {
  // A reason code from the broker (MQTT 5 UNSUBACK >= 0x80) is still an answer.
  impl_.onProbeDone(tok.get_reason_code() >= 0x80);
}

void PahoUplink::Impl::onProbeDone(bool answered) noexcept {
  try {
    std::lock_guard lk(mu_);
    watchdog_.probeDone(answered);
  } catch (...) {
  }
}

}  // namespace tgw::uplink
