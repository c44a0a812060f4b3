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

void parseUplink(MapReader r, UplinkConfig& out) {
  out.type = r.choice("type", out.type, {"mqtt", "stdout"});
  out.url = r.str("url", out.url);
  {
    const std::string_view url = out.url;
    const bool ok = url.starts_with("mqtt://") || url.starts_with("mqtts://") || url.starts_with("tcp://") ||
                    url.starts_with("ssl://") || url.starts_with("ws://") || url.starts_with("wss://");
    if (!ok) {
      r.errorKey("url", fmt::format("'{}' is not a broker URL (mqtt://host:1883, mqtts://host:8883, "
                                    "ws://host:port/path, wss://host:port/path)",
                                    out.url));
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
  out.tls.enabled = tls.boolean("enabled", out.url.starts_with("mqtts://") || out.url.starts_with("ssl://") ||
                                               out.url.starts_with("wss://"));
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
