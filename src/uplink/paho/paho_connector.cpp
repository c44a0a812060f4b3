// The connector thread of PahoUplink: connect attempts, backoff, online
// status, subscriptions, link-down handling. Paho's automatic reconnect is
// off; this thread is the only one that calls connect().
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include <fmt/format.h>

#include "uplink/paho/paho_uplink_impl.hpp"
#include "uplink/paho/ca_bundle.hpp"
#include "uplink/paho/reason_codes.hpp"
#include "uplink/paho/resolve.hpp"
#include "uplink/paho/tls_probe.hpp"

namespace tgw::uplink {

namespace {

// Only AEAD suites for TLS 1.2 (TLS 1.3 suites are configured separately by
// OpenSSL and stay enabled). None of them exists in TLS 1.0/1.1, so Paho -
// which has no minimum-version setting for OpenSSL >= 1.1 - cannot end up
// below TLS 1.2.
constexpr const char* kTls12Ciphers = "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:DHE+CHACHA20:AESGCM:!aNULL:!eNULL:!PSK:!SRP";

// A failure whose log line repeats is written again at most this often.
constexpr auto kRepeatLogInterval = std::chrono::minutes(10);

Expected<void> checkReadable(const std::string& path, std::string_view what, bool directory = false) {
  if (path.empty()) return {};
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || ::access(path.c_str(), R_OK | (directory ? X_OK : 0)) != 0) {
    const int err = errno;
    return makeError(Errc::kNotFound, fmt::format("TLS: cannot read {} {}: {}", what, path, std::strerror(err)));
  }
  if (directory != S_ISDIR(st.st_mode)) {
    return makeError(Errc::kConfig, fmt::format("TLS: {} {} is {}a directory", what, path, directory ? "not " : ""));
  }
  return {};
}

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
  if (client_) return;
  mqtt::create_options create(v5_ ? MQTTVERSION_5 : MQTTVERSION_3_1_1);
  // No Paho persistence (nullptr): durability is the SQLite queue's job.
  client_ = std::make_unique<mqtt::async_client>(url_->pahoUri(), cfg_.client_id, create, nullptr);
  client_->set_connection_lost_handler([this](const std::string& cause) { onConnectionLost(cause); });
  client_->set_message_callback([this](mqtt::const_message_ptr msg) { onMessageArrived(msg); });
}

Expected<void> PahoUplink::Impl::prepareAttempt(mqtt::connect_options& opts) {
  if (v5_) {
    opts.set_mqtt_version(MQTTVERSION_5);
    opts.set_clean_start(cfg_.clean_session);
    opts.set_properties(mqtt::properties{
        {mqtt::property::SESSION_EXPIRY_INTERVAL, static_cast<std::int32_t>(cfg_.session_expiry_s)}});
  } else {
    opts.set_mqtt_version(MQTTVERSION_3_1_1);
    opts.set_clean_session(cfg_.clean_session);
  }
  opts.set_keep_alive_interval(cfg_.keepalive_s);
  opts.set_connect_timeout(cfg_.connect_timeout_s);
  opts.set_automatic_reconnect(false);
  opts.set_max_inflight(cfg_.max_inflight);
  if (!cfg_.username.empty()) opts.set_user_name(cfg_.username);
  if (!cfg_.password.empty()) {
    // Re-read on every attempt: the secret may rotate on disk.
    auto pw = cfg_.password.resolve();
    if (!pw) {
      return makeError(pw.error().code, fmt::format("cannot read the MQTT password ({}): {}",
                                                    cfg_.password.describe(), pw.error().message));
    }
    opts.set_password(*pw);
  }
  if (!url_->hostIsIp()) {
    auto resolved = checkResolvable(url_->host, url_->port, std::chrono::seconds(cfg_.connect_timeout_s), [this] {
      std::lock_guard lk(mu_);
      return stop_requested_;
    });
    if (!resolved) return resolved;
  }
  const auto will = statusMessages(false, "unexpected_disconnect");
  if (!will.empty()) {
    const Message* w = &will.front();
    for (const auto& m : will) {
      if (!cfg_.will_topic.empty() && m.topic == cfg_.will_topic) w = &m;
    }
    opts.set_will(mqtt::will_options(w->topic, w->payload, w->qos, w->retain));
  }
  if (!url_->tls) return {};

  const auto& tls = cfg_.tls;
  for (auto check : {checkReadable(tls.ca_file, "ca_file"), checkReadable(tls.ca_dir, "ca_dir", true),
                     checkReadable(tls.cert_file, "cert_file"), checkReadable(tls.key_file, "key_file")}) {
    if (!check) return check;
  }
  std::string key_password;
  if (!tls.key_password.empty()) {
    auto pw = tls.key_password.resolve();
    if (!pw) {
      return makeError(pw.error().code, fmt::format("TLS: cannot read the client key password ({}): {}",
                                                    tls.key_password.describe(), pw.error().message));
    }
    key_password = *pw;
  }
  if (!tls.pins.empty()) {
    TlsProbeOptions probe{url_->host, url_->port, tls, key_password,
                          std::chrono::seconds(cfg_.connect_timeout_s),
                          [this] {
                            std::lock_guard lk(mu_);
                            return stop_requested_;
                          },
                          false};
    auto result = probeTls(probe);
    if (!result) return tl::unexpected(result.error());
    if (auto pinned = checkPins(*result, tls.pins); !pinned) return pinned;
    log_->debug("TLS pin check passed for {} ({})", url_->display(), result->version);
  }
  mqtt::ssl_options ssl;
  if (!tls.ca_dir.empty()) {
    auto bundle = CaBundle::build(tls.ca_file, tls.ca_dir);
    if (!bundle) return tl::unexpected(bundle.error());
    ca_bundle_ = std::move(*bundle);
    ssl.set_trust_store(ca_bundle_.path());
  } else if (!tls.ca_file.empty()) {
    ssl.set_trust_store(tls.ca_file);
  }
  if (!tls.cert_file.empty()) {
    ssl.set_key_store(tls.cert_file);
    ssl.set_private_key(tls.key_file);
    if (!key_password.empty()) ssl.set_private_key_password(key_password);
  }
  ssl.set_enable_server_cert_auth(tls.verify_server);
  ssl.set_verify(tls.verify_server && tls.verify_hostname);
  ssl.set_enabled_cipher_suites(kTls12Ciphers);
  ssl.set_ssl_version(MQTT_SSL_VERSION_TLS_1_2);
  // No ssl_options::set_error_handler: Paho C++ 1.2.0 hands Paho C a
  // pointer to a temporary copy of the options as the callback context
  // (use after scope, found by ASan). TLS failures are explained by our own
  // handshake in diagnoseTls() instead.
  opts.set_ssl(ssl);
  return {};
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
    return waited;
  }
  bool session_present = false;
  try {
    session_present = tok->get_connect_response().is_session_present();
  } catch (const mqtt::exception&) {
  }
  log_->info("connected to {} as '{}' (MQTT {}, session {})", url_->display(), cfg_.client_id, cfg_.protocol,
             session_present ? "resumed" : "new");
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

void PahoUplink::Impl::noteFailure(const Error& error, std::chrono::milliseconds delay) {
  const auto now = clock_.monotonic();
  const std::string retry = fmt::format("; retrying in {:g} s", static_cast<double>(delay.count()) / 1000.0);
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
  ++stats_.disconnects;
  stats_.last_error = reason;
  stats_.state = LinkState::kDisconnected;
  pushEvent({Event::Kind::kDisconnected, 0, reason, {}, 0});
}

void PahoUplink::Impl::connectorMain() {
  Backoff backoff(cfg_.reconnect, std::random_device{}());
  std::unique_lock lk(mu_);
  while (!stop_requested_) {
    stats_.state = LinkState::kConnecting;
    lk.unlock();
    auto result = connectOnce();
    lk.lock();
    if (stop_requested_) break;
    if (result && link_lost_) result = makeError(Errc::kUnavailable, lost_cause_);
    if (!result) {
      stats_.state = LinkState::kDisconnected;
      const auto delay = backoff.next();
      lk.unlock();
      noteFailure(result.error(), delay);
      lk.lock();
      cv_.wait_for(lk, delay, [&] { return stop_requested_ || reconnect_requested_; });
      reconnect_requested_ = false;
      continue;
    }
    if (!logged_error_.empty()) {
      log_->info("connected to {} after {} failed attempt(s)", url_->display(), backoff.failures());
      logged_error_.clear();
    }
    const auto connected_at = clock_.monotonic();
    stats_.state = LinkState::kConnected;
    stats_.last_error.clear();
    ++stats_.connects;
    pushEvent({Event::Kind::kConnected, 0, {}, {}, 0});
    cv_.wait(lk, [&] { return stop_requested_ || link_lost_ || reconnect_requested_; });
    if (stop_requested_) break;
    // A connection that dies at once does not reset the backoff: a broker
    // that accepts and drops every session is not hammered every second.
    if (clock_.monotonic() - connected_at >= std::chrono::milliseconds(cfg_.reconnect.stable_after_ms)) {
      backoff.reset();
    }
    if (reconnect_requested_) {
      reconnect_requested_ = false;
      linkDown(lk, "reconnect requested");
      log_->info("reconnecting to {} (requested)", url_->display());
      lk.unlock();
      try {
        client_->disconnect(0)->wait_for(std::chrono::seconds(2));
      } catch (const mqtt::exception&) {
      }
      lk.lock();
      continue;
    }
    const std::string reason = lost_cause_;
    linkDown(lk, reason);
    const auto delay = backoff.next();
    log_->warn("{} to {}; reconnecting in {:g} s", reason, url_->display(), static_cast<double>(delay.count()) / 1000.0);
    cv_.wait_for(lk, delay, [&] { return stop_requested_ || reconnect_requested_; });
    reconnect_requested_ = false;
  }
}

}  // namespace tgw::uplink
