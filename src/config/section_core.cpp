// gateway:, logging:, uplink: and queue: sections.
#include <limits>
#include <string_view>

#include <fmt/format.h>

#include "config/sections.hpp"

namespace tgw::config {

void parseGateway(MapReader r, GatewayConfig& out) {
  if (!r.present()) {
    r.diag().error(0, 0, "gateway", "required section is missing (needs at least gateway.device_id)");
    return;
  }
  out.device_id = r.requiredStr("device_id");
  out.state_dir = r.str("state_dir", out.state_dir);
  r.finish();
}

void parseLogging(MapReader r, LoggingConfig& out) {
  out.level = r.choice("level", out.level, kLogLevels);
  out.output = r.choice("output", out.output, {"auto", "console", "journal"});
  r.finish();
}

namespace {

std::vector<std::pair<std::string, std::string>> uplinkUrls(const UplinkConfig& out) {
  std::vector<std::pair<std::string, std::string>> urls{{"url", out.url}};
  for (std::size_t i = 0; i < out.endpoints.size(); ++i) {
    urls.emplace_back(fmt::format("endpoints[{}]", i), out.endpoints[i]);
  }
  return urls;
}

// uplink.aws: SigV4-signed WebSocket URLs (see docs/uplink.md).
void parseUplinkAws(MapReader a, UplinkConfig& out) {
  auto& aws = out.aws;
  aws.enabled = a.boolean("sigv4", a.present());
  aws.region = a.str("region", aws.region);
  aws.service = a.str("service", aws.service);
  aws.credentials_file = a.str("credentials_file", aws.credentials_file);
  aws.access_key_id = a.secret("access_key_id");
  aws.secret_access_key = a.secret("secret_access_key");
  aws.session_token = a.secret("session_token");
  aws.expires_s = static_cast<int>(a.integer("expires_s", aws.expires_s, 1, 604800));
  aws.signed_host = a.str("signed_host", aws.signed_host);
  if (aws.enabled) {
    if (aws.region.empty()) a.errorKey("region", "required for SigV4 (e.g. eu-west-1)");
    if (aws.credentials_file.empty() && (aws.access_key_id.empty() || aws.secret_access_key.empty())) {
      a.errorKey("credentials_file", "SigV4 needs credentials_file, or access_key_id and secret_access_key "
                                     "(e.g. access_key_id: ${AWS_ACCESS_KEY_ID})");
    }
    bool any_wss = false;
    for (const auto& [key, url] : uplinkUrls(out)) any_wss = any_wss || url.starts_with("wss://") || url.starts_with("ws://");
    if (!any_wss) a.errorKey("sigv4", "SigV4 signs wss:// URLs: set uplink.url or an endpoint to wss://host/mqtt");
  }
  a.finish();
}

// uplink.modem: the SIM7080G MQTT fallback.
void parseUplinkModem(MapReader m, ModemUplinkConfig& out) {
  out.enabled = m.boolean("enabled", m.present());
  out.device = m.str("device", out.device);
  out.baud = static_cast<int>(m.integer("baud", out.baud, 1200, 4000000));
  out.url = m.str("url", out.url);
  out.client_id = m.str("client_id", out.client_id);
  out.username = m.str("username", out.username);
  out.password = m.secret("password");
  out.keepalive_s = static_cast<int>(m.integer("keepalive_s", out.keepalive_s, 0, 65535));
  out.tls = m.boolean("tls", out.tls);
  out.tls_ca_name = m.str("tls_ca_name", out.tls_ca_name);
  out.tls_cert_name = m.str("tls_cert_name", out.tls_cert_name);
  out.command_timeout_ms = static_cast<int>(m.integer("command_timeout_ms", out.command_timeout_ms, 100, 600000));
  out.connect_timeout_ms = static_cast<int>(m.integer("connect_timeout_ms", out.connect_timeout_ms, 100, 600000));
  out.health_interval_s = static_cast<int>(m.integer("health_interval_s", out.health_interval_s, 1, 3600));
  out.inflight_window = static_cast<int>(m.integer("inflight_window", out.inflight_window, 1, 64));
  out.failover_after_s = static_cast<int>(m.integer("failover_after_s", out.failover_after_s, 0, 86400));
  if (out.enabled) {
    if (out.device.empty()) m.errorKey("device", "required: the modem's AT port (e.g. /dev/ttyUSB2)");
    if (out.url.empty()) m.errorKey("url", "required: the broker as the modem reaches it, host:port");
    if (out.url.find("://") != std::string::npos) {
      m.errorKey("url", fmt::format("'{}': the SIM7080 takes host:port without a scheme (TLS: tls: true)", out.url));
    }
  }
  m.finish();
}

}  // namespace

void parseUplink(MapReader r, UplinkConfig& out) {
  out.type = r.choice("type", out.type, {"mqtt", "stdout"});
  out.url = r.str("url", out.url);
  out.endpoints = r.strList("endpoints");
  if (!out.endpoints.empty() && !r.has("url")) out.url = out.endpoints.front();
  out.prefer_retry_s = static_cast<int>(r.integer("prefer_retry_s", out.prefer_retry_s, 0, 86400));
  for (const auto& [key, url] : uplinkUrls(out)) {
    const bool ok = url.starts_with("mqtt://") || url.starts_with("mqtts://") || url.starts_with("tcp://") ||
                    url.starts_with("ssl://") || url.starts_with("ws://") || url.starts_with("wss://");
    if (!ok) {
      r.errorKey(key, fmt::format("'{}' is not a broker URL (mqtt://host:1883, mqtts://host:8883, "
                                  "ws://host:port/path, wss://host:port/path)",
                                  url));
    }
  }
  out.protocol = r.choice("protocol", out.protocol, {"3.1.1", "5"});
  out.client_id = r.str("client_id", out.client_id);
  if (out.client_id.size() > 65535) r.errorKey("client_id", "longer than 65535 bytes");
  out.keepalive_s = static_cast<int>(r.integer("keepalive_s", out.keepalive_s, 1, 65535));
  out.clean_session = r.boolean("clean_session", out.clean_session);
  out.session_expiry_s = static_cast<int>(
      r.integer("session_expiry_s", out.session_expiry_s, 0, std::numeric_limits<std::int32_t>::max()));
  out.connect_timeout_s = static_cast<int>(r.integer("connect_timeout_s", out.connect_timeout_s, 1, 600));
  out.username = r.str("username", out.username);
  out.password = r.secret("password");

  MapReader tls = r.map("tls");
  out.tls.enabled = tls.boolean("enabled", out.endpoints.empty() && (out.url.starts_with("mqtts://") ||
                                                                      out.url.starts_with("ssl://") ||
                                                                      out.url.starts_with("wss://")));
  out.tls.alpn = tls.strList("alpn");
  out.tls.ca_file = tls.existingFile("ca_file");
  out.tls.ca_dir = tls.existingFile("ca_dir", true);
  out.tls.cert_file = tls.existingFile("cert_file");
  out.tls.key_file = tls.existingFile("key_file");
  out.tls.key_password = tls.secret("key_password");
  const bool insecure = tls.boolean("insecure", false);
  out.tls.verify_server = !insecure;
  out.tls.verify_hostname = tls.boolean("verify_hostname", true) && !insecure;
  out.tls.pins = tls.strList("pins");
  for (std::size_t i = 0; i < out.tls.pins.size(); ++i) {
    const auto& pin = out.tls.pins[i];
    // sha256/ + 44 chars of base64 (32 bytes)
    if (!pin.starts_with("sha256/") || pin.size() != 7 + 44) {
      tls.errorKey("pins", fmt::format("pin {} '{}' is not of the form sha256/<base64 of the SHA-256 of the "
                                       "public key> (get it with: openssl x509 -in cert.pem -pubkey -noout | "
                                       "openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)",
                                       i + 1, pin));
    }
  }
  if (out.tls.cert_file.empty() != out.tls.key_file.empty()) {
    tls.errorKey(out.tls.cert_file.empty() ? "cert_file" : "key_file",
                 "mutual TLS needs both cert_file and key_file");
  }
  if (insecure) {
    tls.warnKey("insecure", "server certificate verification is OFF: anyone on the path can impersonate the broker");
  }
  tls.finish();

  MapReader rc = r.map("reconnect");
  out.reconnect.initial_delay_ms =
      static_cast<int>(rc.integer("initial_delay_ms", out.reconnect.initial_delay_ms, 100, 3600000));
  out.reconnect.max_delay_ms = static_cast<int>(rc.integer("max_delay_ms", out.reconnect.max_delay_ms, 100, 3600000));
  out.reconnect.jitter = rc.number("jitter", out.reconnect.jitter, 0.0, 1.0);
  out.reconnect.stable_after_ms =
      static_cast<int>(rc.integer("stable_after_ms", out.reconnect.stable_after_ms, 0, 3600000));
  if (out.reconnect.max_delay_ms < out.reconnect.initial_delay_ms) {
    rc.errorKey("max_delay_ms", "must not be smaller than initial_delay_ms");
  }
  rc.finish();

  out.inflight_window = static_cast<int>(r.integer("inflight_window", out.inflight_window, 1, 65535));
  out.max_inflight = static_cast<int>(r.integer("max_inflight", out.max_inflight, 2, 65535));
  if (out.inflight_window >= out.max_inflight) {
    r.errorKey("inflight_window",
               fmt::format("must be smaller than max_inflight ({}): Paho stalls ~1 s per message when its own "
                           "window is full",
                           out.max_inflight));
  }
  out.will_topic = r.str("will_topic", out.will_topic);
  out.shutdown_timeout_ms = static_cast<int>(r.integer("shutdown_timeout_ms", out.shutdown_timeout_ms, 0, 60000));
  parseUplinkAws(r.map("aws"), out);
  parseUplinkModem(r.map("modem"), out.modem);
  r.finish();
}

void parseQueue(MapReader r, QueueConfig& out) {
  out.path = r.str("path", out.path);
  out.max_messages = r.integer("max_messages", out.max_messages, 1, 100000000);
  out.max_bytes = r.integer("max_bytes", out.max_bytes, 4096, std::numeric_limits<std::int64_t>::max());
  out.ttl_s = static_cast<int>(r.integer("ttl_s", out.ttl_s, 1, 365 * 86400));
  out.max_attempts = static_cast<int>(r.integer("max_attempts", out.max_attempts, 1, 1000));
  out.sweep_interval_s = static_cast<int>(r.integer("sweep_interval_s", out.sweep_interval_s, 1, 86400));
  out.telemetry_persistence =
      r.choice("telemetry_persistence", out.telemetry_persistence, {"always", "offline", "never"});
  out.commit_window_ms = static_cast<int>(r.integer("commit_window_ms", out.commit_window_ms, 0, 10000));
  out.commit_batch = static_cast<int>(r.integer("commit_batch", out.commit_batch, 1, 100000));
  out.synchronous = r.choice("synchronous", out.synchronous, {"normal", "full"});
  out.drain_rate = static_cast<int>(r.integer("drain_rate", out.drain_rate, 0, 1000000));
  r.finish();
}

}  // namespace tgw::config
