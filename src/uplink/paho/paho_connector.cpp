// The connector thread of PahoUplink: connect attempts, backoff, online
// status, subscriptions, link-down handling. Paho's automatic reconnect is
// off; this thread is the only one that calls connect().
#include <random>

#include <fmt/format.h>

#include "uplink/paho/paho_uplink_impl.hpp"
#include "uplink/paho/reason_codes.hpp"
#include "uplink/paho/tcp_nodelay.hpp"
#include "uplink/paho/tls_probe.hpp"
#include "uplink/paho/ws_probe.hpp"

namespace tgw::uplink {

namespace {
// A failure whose log line repeats is written again at most this often.
constexpr auto kRepeatLogInterval = std::chrono::minutes(10);
}  // namespace


std::vector<Message> PahoUplink::Impl::statusMessages(bool online, std::string_view reason) noexcept {
  StatusProvider provider;
  {
    std::lock_guard lk(mu_);
    provider = status_provider_;
  }
  if (!provider) return {};
  try {
    return provider(online, reason);
  } catch (const std::exception& e) {
    log_->error("status provider failed: {}", e.what());
    return {};
  }
}

void PahoUplink::Impl::ensureClient() {
  // Paho C 1.3.12 keeps the WebSocket flag of a client once a ws:// or
  // wss:// server was used (a later tcp:// connect then speaks HTTP to an
  // MQTT listener), so a change of endpoint gets a new client. Our state is
  // on the broker (session) and in the queue; nothing is lost with it.
  if (client_ && client_endpoint_ == url_->display()) return;
  if (client_) {
    log_->debug("new MQTT client for {} (was {})", url_->display(), client_endpoint_);
    std::lock_guard client_lock(client_mu_);  // send() may be publishing on the loop thread
    client_.reset();
    std::lock_guard lk(mu_);
    zombies_.clear();  // their completions died with the old client
  }
  client_endpoint_ = url_->display();
  client_connected_ = false;
  mqtt::create_options create(v5_ ? MQTTVERSION_5 : MQTTVERSION_3_1_1);
  // No Paho persistence (nullptr): durability is the SQLite queue's job.
  client_ = std::make_unique<mqtt::async_client>(url_->pahoUri(), cfg_.client_id, create, nullptr);
  client_->set_connection_lost_handler([this](const std::string& cause) { onConnectionLost(cause); });
  client_->set_message_callback([this](mqtt::const_message_ptr msg) { onMessageArrived(msg); });
}

Expected<void> PahoUplink::Impl::waitToken(const mqtt::token_ptr& tok, std::chrono::milliseconds timeout,
                                           std::string_view what) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  try {
    while (!tok->wait_for(std::chrono::milliseconds(100))) {
      {
        std::lock_guard lk(mu_);
        if (stop_requested_) return makeError(Errc::kUnavailable, fmt::format("{} abandoned: stopping", what));
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        return makeError(Errc::kTimeout, fmt::format("{}: no answer from {} within {} ms", what, url_->display(),
                                                     timeout.count()));
      }
    }
    return {};
  } catch (const mqtt::exception& e) {
    ConnectFailure f{e.get_return_code(), e.get_reason_code(), e.get_message(), v5_};
    std::string text = describeConnectFailure(f);
    if (f.paho_message.find("timeout") != std::string::npos || f.paho_message.find("Timeout") != std::string::npos) {
      text = fmt::format("no answer from {} within connect_timeout_s={} (TCP connect or MQTT CONNECT not answered)",
                         url_->display(), cfg_.connect_timeout_s);
      return makeError(Errc::kTimeout, text);
    }
    return makeError(isBrokerRefusal(f) ? Errc::kPermission : Errc::kUnavailable,
                     fmt::format("{} {}: {}", what, url_->display(), text));
  }
}

Expected<void> PahoUplink::Impl::diagnoseTls(const std::string& key_password) {
  TlsProbeOptions probe{url_->host, url_->port, cfg_.tls, key_password,
                        std::chrono::seconds(cfg_.connect_timeout_s),
                        [this] {
                          std::lock_guard lk(mu_);
                          return stop_requested_;
                        },
                        true};
  auto result = probeTls(probe);
  if (!result) return tl::unexpected(result.error());
  return {};
}

Expected<void> PahoUplink::Impl::diagnoseWebSocket(const std::string& key_password) {
  WsProbeOptions probe;
  probe.host = url_->host;
  probe.port = url_->port;
  probe.tls = url_->tls;
  probe.path = attempt_uri_.substr(attempt_uri_.find('/', attempt_uri_.find("://") + 3));
  probe.tls_cfg = cfg_.tls;
  probe.key_password = key_password;
  probe.timeout = std::chrono::seconds(cfg_.connect_timeout_s);
  probe.cancelled = [this] {
    std::lock_guard lk(mu_);
    return stop_requested_;
  };
  auto result = probeWebSocket(probe);
  if (!result) return tl::unexpected(result.error());
  if (result->status == 101) return {};  // the upgrade works: Paho's failure was later (MQTT level)
  std::string text = fmt::format("WebSocket upgrade refused by {}: {}", url_->display(), result->status_line);
  if (result->server_date) {
    const auto skew = std::chrono::duration_cast<std::chrono::seconds>(clock_.now() - *result->server_date);
    if (skew > std::chrono::minutes(5) || skew < -std::chrono::minutes(5)) {
      text += fmt::format("; the gateway clock is {} s {} the server's (SigV4 signatures are accepted within 5 "
                          "minutes): fix the system time (NTP)",
                          std::abs(skew.count()), skew.count() > 0 ? "ahead of" : "behind");
    }
  }
  if (cfg_.aws.enabled && (result->status == 403 || result->status == 401)) {
    text += " (SigV4: check the credentials, region, IoT policy and the clock)";
  }
  return makeError(result->status == 403 || result->status == 401 ? Errc::kPermission : Errc::kUnavailable, text);
}

bool PahoUplink::Impl::preferredReachable() {
  const BrokerUrl& pref = endpoints_.front();
  return tcpReachable(pref.host, pref.port, std::chrono::seconds(cfg_.connect_timeout_s));
}

Expected<void> PahoUplink::Impl::connectOnce() {
  try {
    ensureClient();
  } catch (const mqtt::exception& e) {
    return makeError(Errc::kConfig, fmt::format("cannot create the MQTT client for {}: {}", url_->display(), e.what()));
  }
  // Paho keeps pointers into the options (e.g. the TLS error callback's
  // context) while a connect runs: they live until the next attempt, or
  // forever if a connect is abandoned while Paho may still be using them.
  if (connect_opts_ && !connect_done_) {
    abandoned_opts_.push_back(std::move(connect_opts_));
    abandoned_bundles_.push_back(std::move(ca_bundle_));
  }
  connect_opts_ = std::make_unique<mqtt::connect_options>();
  connect_done_ = false;
  mqtt::connect_options& opts = *connect_opts_;
  if (auto prepared = prepareAttempt(opts); !prepared) {
    connect_done_ = true;
    return prepared;
  }
  {
    std::lock_guard lk(mu_);
    link_lost_ = false;
    dead_link_ = false;
  }
  mqtt::token_ptr tok;
  log_->debug("connecting to {}", url_->display());
  try {
    tok = client_->connect(opts);
  } catch (const mqtt::exception& e) {
    connect_done_ = true;
    return makeError(Errc::kUnavailable, fmt::format("connect to {} not started: {}", url_->display(), e.what()));
  }
  auto waited = waitToken(tok, std::chrono::seconds(cfg_.connect_timeout_s + 5), "connect to");
  connect_done_ = tok->is_complete();
  if (!waited) {
    if (url_->tls && waited.error().code == Errc::kUnavailable) {
      {
        std::lock_guard lk(mu_);
        if (stop_requested_) return waited;
      }
      // Paho's words for TLS failures are vague: redo the handshake ourselves
      // to say what went wrong (unknown CA, host name, client certificate ...).
      std::string key_password;
      if (!cfg_.tls.key_password.empty()) key_password = cfg_.tls.key_password.resolve().value_or("");
      if (auto diag = diagnoseTls(key_password); !diag) return diag;
    }
    if (url_->websocket && waited.error().code == Errc::kUnavailable) {
      std::string key_password;
      if (url_->tls && !cfg_.tls.key_password.empty()) key_password = cfg_.tls.key_password.resolve().value_or("");
      if (auto diag = diagnoseWebSocket(key_password); !diag) return diag;
    }
    return waited;
  }
  client_connected_ = true;
  bool session_present = false;
  try {
    session_present = tok->get_connect_response().is_session_present();
  } catch (const mqtt::exception&) {
  }
  // Paho leaves Nagle on; small packets (PUBACKs, command responses) would
  // wait for delayed ACKs (see tcp_nodelay.hpp).
  const int nodelay = setNoDelayOnSocketsTo(static_cast<std::uint16_t>(url_->port));
  log_->info("connected to {} as '{}' (MQTT {}, session {})", url_->display(), cfg_.client_id, cfg_.protocol,
             session_present ? "resumed" : "new");
  if (nodelay == 0) log_->debug("TCP_NODELAY: no socket to port {} found to set it on", url_->port);
  return afterConnect();
}

void PahoUplink::Impl::publishAndWait(const std::vector<Message>& msgs, std::chrono::milliseconds timeout) {
  std::vector<mqtt::delivery_token_ptr> toks;
  for (const auto& m : msgs) {
    try {
      toks.push_back(client_->publish(mqtt::make_message(m.topic, m.payload, m.qos, m.retain)));
    } catch (const mqtt::exception& e) {
      log_->warn("status publish to {} failed: {}", m.topic, e.what());
    }
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (auto& t : toks) {
    try {
      const auto left = std::max(std::chrono::milliseconds(0), std::chrono::duration_cast<std::chrono::milliseconds>(
                                                                    deadline - std::chrono::steady_clock::now()));
      if (!t->wait_for(left)) {
        log_->warn("status publish to {} not acknowledged within {} ms", t->get_message()->get_topic(),
                   timeout.count());
      }
    } catch (const mqtt::exception& e) {
      log_->warn("status publish failed: {}", e.what());
    }
  }
}

Expected<void> PahoUplink::Impl::afterConnect() {
  const auto timeout = std::chrono::seconds(cfg_.connect_timeout_s);
  for (const auto& m : statusMessages(true, "")) {
    try {
      auto tok = client_->publish(mqtt::make_message(m.topic, m.payload, m.qos, m.retain));
      if (auto w = waitToken(tok, timeout, "online status publish to"); !w) return w;
    } catch (const mqtt::exception& e) {
      return makeError(Errc::kUnavailable, fmt::format("online status publish to {} failed: {}", m.topic, e.what()));
    }
  }
  std::vector<TopicSubscription> subs;
  {
    std::lock_guard lk(mu_);
    subs = subscriptions_;
  }
  if (!subs.empty()) {
    auto filters = std::make_shared<mqtt::string_collection>();
    std::vector<int> qos;
    for (const auto& s : subs) {
      filters->push_back(s.filter);
      qos.push_back(s.qos);
    }
    try {
      auto tok = client_->subscribe(filters, qos);
      if (auto w = waitToken(tok, timeout, "subscribe at"); !w) return w;
      const auto granted = tok->get_subscribe_response().get_reason_codes();
      for (std::size_t i = 0; i < granted.size() && i < subs.size(); ++i) {
        if (granted[i] >= 0x80) {
          log_->warn("broker refused the subscription to '{}' (reason 0x{:02X})", subs[i].filter,
                     static_cast<int>(granted[i]));
        }
      }
    } catch (const mqtt::exception& e) {
      return makeError(Errc::kUnavailable, fmt::format("subscribe failed: {}", e.what()));
    }
  }
  return {};
}

void PahoUplink::Impl::noteFailure(const Error& error, std::chrono::milliseconds delay, const std::string& next) {
  const auto now = clock_.monotonic();
  const std::string retry = next.empty()
                                ? fmt::format("; retrying in {:g} s", static_cast<double>(delay.count()) / 1000.0)
                                : fmt::format("; trying {} next", next);
  std::lock_guard lk(mu_);
  stats_.last_error = error.message + retry;
  if (error.message != logged_error_) {
    log_->warn("{}{}", error.message, retry);
    logged_error_ = error.message;
    logged_at_ = now;
    same_error_count_ = 0;
    return;
  }
  ++same_error_count_;
  if (now - logged_at_ >= kRepeatLogInterval) {
    log_->warn("{}{} (still failing: {} more attempts since the last report)", error.message, retry,
               same_error_count_);
    logged_at_ = now;
    same_error_count_ = 0;
  } else {
    log_->debug("{}{}", error.message, retry);
  }
}

void PahoUplink::Impl::linkDown(std::unique_lock<std::mutex>& /*lk*/, const std::string& reason) {
  for (const auto& [ctx, f] : inflight_) {
    zombies_.insert(ctx);
    ++stats_.failed;
    pushEvent({Event::Kind::kFailed, f.token, reason, {}, 0});
  }
  inflight_.clear();
  tokens_.clear();
  watchdog_.idle();
  ++stats_.disconnects;
  stats_.last_error = reason;
  stats_.state = LinkState::kDisconnected;
  pushEvent({Event::Kind::kDisconnected, 0, reason, {}, 0});
}

void PahoUplink::Impl::discardClient(std::unique_lock<std::mutex>& lk) {
  // One Paho client per connection. A client that lived through a lost link
  // still holds its unacknowledged QoS 1/2 publishes (everything linkDown()
  // just handed back, or an online-status publish that timed out) and
  // retransmits them on the next CONNACK with session present. In Paho C
  // 1.3.12 that retransmission races its own send thread: ASan caught the
  // receive thread strlen()ing a topic the send thread had freed (heap-use-
  // after-free in libpaho-mqtt3as), and mosquitto logged "disconnected due
  // to malformed packet" for the resent PUBLISH, again at every reconnect.
  // The queue resends those messages itself, so Paho's copies are not
  // needed; the broker keeps our session (and resends what it owes us) with
  // any client of the same id.
  lk.unlock();
  {
    std::lock_guard client_lock(client_mu_);  // send() may be publishing on the loop thread
    client_.reset();
  }
  lk.lock();
  zombies_.clear();  // their completions died with the client
}

void PahoUplink::Impl::connectorMain() {
  Backoff backoff(cfg_.reconnect, std::random_device{}());
  std::size_t tried_in_round = 0;  // endpoints that failed since the last success / backoff
  std::unique_lock lk(mu_);
  while (!stop_requested_) {
    url_ = endpoints_[current_];
    stats_.broker = url_->display();
    stats_.state = LinkState::kConnecting;
    lk.unlock();
    auto result = connectOnce();
    lk.lock();
    if (stop_requested_) break;
    if (result && link_lost_) result = makeError(Errc::kUnavailable, lost_cause_);
    if (!result) {
      stats_.state = LinkState::kDisconnected;
      // Connected, then failed (e.g. an online-status publish not answered
      // in time): that publish is still pending inside Paho.
      if (client_connected_) discardClient(lk);
      ++tried_in_round;
      if (tried_in_round < endpoints_.size()) {
        // Fall back to the next endpoint at once; back off only when all failed.
        const std::size_t next = (current_ + 1) % endpoints_.size();
        lk.unlock();
        noteFailure(result.error(), std::chrono::milliseconds(0), endpoints_[next].display());
        lk.lock();
        current_ = next;
        continue;
      }
      tried_in_round = 0;
      current_ = last_good_;  // the next round starts with what worked last
      const auto delay = backoff.next();
      lk.unlock();
      noteFailure(result.error(), delay);
      lk.lock();
      cv_.wait_for(lk, delay, [&] { return stop_requested_ || reconnect_requested_; });
      reconnect_requested_ = false;
      continue;
    }
    tried_in_round = 0;
    if (current_ != last_good_ || (current_ != 0 && endpoints_.size() > 1)) {
      log_->info("using endpoint {} ({} of {}); it is tried first from now on", url_->display(), current_ + 1,
                 endpoints_.size());
    }
    last_good_ = current_;
    if (!logged_error_.empty()) {
      log_->info("connected to {} after {} failed attempt(s)", url_->display(), backoff.failures());
      logged_error_.clear();
    }
    const auto connected_at = clock_.monotonic();
    stats_.state = LinkState::kConnected;
    stats_.last_error.clear();
    ++stats_.connects;
    watchdog_.connected();
    pushEvent({Event::Kind::kConnected, 0, {}, {}, 0});
    bool switch_to_preferred = false;
    if (current_ != 0 && cfg_.prefer_retry_s > 0) {
      // On a fallback endpoint: every prefer_retry_s look whether the
      // preferred one is reachable again, and if so move back to it.
      while (!superviseLink(lk, std::chrono::seconds(cfg_.prefer_retry_s))) {
        lk.unlock();
        const bool reachable = preferredReachable();
        lk.lock();
        if (reachable && !linkWoken()) {
          switch_to_preferred = true;
          break;
        }
        log_->debug("preferred endpoint {} still unreachable; staying on {}", endpoints_.front().display(),
                    url_->display());
      }
    } else {
      superviseLink(lk, std::chrono::milliseconds(0));
    }
    if (stop_requested_) break;
    // A connection that dies at once does not reset the backoff: a broker
    // that accepts and drops every session is not hammered every second.
    if (clock_.monotonic() - connected_at >= std::chrono::milliseconds(cfg_.reconnect.stable_after_ms)) {
      backoff.reset();
    }
    if (dead_link_ && !link_lost_ && !reconnect_requested_) {
      dropDeadLink(lk);  // the watchdog logged why
      const auto delay = backoff.next();
      log_->info("reconnecting to {} in {:g} s", url_->display(), static_cast<double>(delay.count()) / 1000.0);
      cv_.wait_for(lk, delay, [&] { return stop_requested_ || reconnect_requested_; });
      reconnect_requested_ = false;
      continue;
    }
    if (reconnect_requested_ || (switch_to_preferred && !link_lost_)) {
      const bool requested = reconnect_requested_;
      reconnect_requested_ = false;
      if (requested) {
        linkDown(lk, "reconnect requested");
        log_->info("reconnecting to {} (requested)", url_->display());
      } else {
        linkDown(lk, "moving back to the preferred endpoint " + endpoints_.front().display());
        log_->info("preferred endpoint {} is reachable again: moving back from {}", endpoints_.front().display(),
                   url_->display());
        current_ = 0;
      }
      lk.unlock();
      try {
        client_->disconnect(0)->wait_for(std::chrono::seconds(2));
      } catch (const mqtt::exception&) {
      }
      lk.lock();
      discardClient(lk);
      continue;
    }
    const std::string reason = lost_cause_;
    linkDown(lk, reason);
    discardClient(lk);
    const auto delay = backoff.next();
    log_->warn("{} to {}; reconnecting in {:g} s", reason, url_->display(), static_cast<double>(delay.count()) / 1000.0);
    cv_.wait_for(lk, delay, [&] { return stop_requested_ || reconnect_requested_; });
    reconnect_requested_ = false;
  }
}

}  // namespace tgw::uplink
