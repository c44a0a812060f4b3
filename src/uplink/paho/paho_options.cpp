// Building Paho's connect options for one attempt: credentials and TLS
// files re-read, name resolution, optional pin check, the Last Will.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "uplink/aws/credentials.hpp"
#include "uplink/paho/ca_bundle.hpp"
#include "uplink/paho/paho_uplink_impl.hpp"
#include "uplink/paho/resolve.hpp"
#include "uplink/paho/tls_probe.hpp"

namespace tgw::uplink {

namespace {

// Only AEAD suites for TLS 1.2 (TLS 1.3 suites are configured separately by
// OpenSSL and stay enabled). None of them exists in TLS 1.0/1.1, so Paho -
// which has no minimum-version setting for OpenSSL >= 1.1 - cannot end up
// below TLS 1.2.
constexpr const char* kTls12Ciphers = "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:DHE+CHACHA20:AESGCM:!aNULL:!eNULL:!PSK:!SRP";

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
  // Which endpoint this attempt goes to (Paho's client keeps the URI it was
  // created with; the server list of the options overrides it per attempt).
  attempt_uri_ = url_->pahoUri();
  if (url_->websocket && cfg_.aws.enabled) {
    auto path = signedPath();  // credentials re-read, fresh signature
    if (!path) return tl::unexpected(path.error());
    attempt_uri_ = (url_->tls ? "wss://" : "ws://") + url_->hostPort() + *path;
  }
  opts.set_servers(std::make_shared<mqtt::string_collection>(std::vector<std::string>{attempt_uri_}));
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
  // ALPN (e.g. x-amzn-mqtt-ca for AWS IoT Core MQTT on port 443): Paho C
  // 1.3.12 passes MQTTAsync_SSLOptions.protos to SSL_set_alpn_protos.
  if (!tls.alpn.empty()) ssl.set_alpn_protos(tls.alpn);
  // No ssl_options::set_error_handler: Paho C++ 1.2.0 hands Paho C a
  // pointer to a temporary copy of the options as the callback context
  // (use after scope, found by ASan). TLS failures are explained by our own
  // handshake in diagnoseTls() instead.
  opts.set_ssl(ssl);
  return {};
}

Expected<std::string> PahoUplink::Impl::signedPath() {
  const auto now = clock_.now();
  auto loaded = aws::loadCredentials(cfg_.aws, now);
  if (!loaded) return tl::unexpected(loaded.error());
  if (loaded->expiration && *loaded->expiration - now < std::chrono::minutes(5)) {
    log_->warn("AWS credentials ({}) expire in {} s; refresh them soon", loaded->source,
               std::chrono::duration_cast<std::chrono::seconds>(*loaded->expiration - now).count());
  }
  aws::PresignParams p;
  p.host = cfg_.aws.signed_host.empty() ? url_->hostPort() : cfg_.aws.signed_host;
  p.path = url_->path.substr(0, url_->path.find('?'));
  p.region = cfg_.aws.region;
  p.service = cfg_.aws.service;
  p.expires_s = cfg_.aws.expires_s;
  p.now = now;
  return aws::presignWebSocketPath(p, loaded->credentials);
}

}  // namespace tgw::uplink
