#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tgw/config/secret.hpp"

namespace tgw::config {

struct TlsConfig {
  bool enabled = false;             // implied by an mqtts:// / ssl:// URL
  std::string ca_file;              // PEM bundle; empty = system default store
  std::string ca_dir;               // hashed CA directory
  std::string cert_file;            // client certificate (mutual TLS)
  std::string key_file;             // client key (mutual TLS)
  Secret key_password;              // optional passphrase of key_file
  bool verify_server = true;        // false only with insecure: true, logged loudly
  bool verify_hostname = true;
  std::vector<std::string> pins;    // "sha256/<base64 SPKI hash>"
};

struct ReconnectConfig {
  int initial_delay_ms = 1000;
  int max_delay_ms = 60000;
  double jitter = 0.2;  // +-20 % random spread
  // A session shorter than this does not reset the backoff (a broker that
  // accepts and drops every connection is not retried every second).
  int stable_after_ms = 10000;
};

struct UplinkConfig {
  std::string type = "mqtt";  // mqtt | stdout
  std::string url = "mqtt://127.0.0.1:1883";
  std::string protocol = "3.1.1";  // 3.1.1 | 5
  std::string client_id;           // default: the gateway's device_id
  int keepalive_s = 60;
  bool clean_session = false;
  int session_expiry_s = 604800;   // MQTT 5 only: 7 days
  int connect_timeout_s = 10;
  std::string username;
  Secret password;
  TlsConfig tls;
  ReconnectConfig reconnect;
  int inflight_window = 16;        // our own unacknowledged window
  int max_inflight = 32;           // Paho's window; must be > inflight_window
  std::string will_topic;          // default: first enabled profile's status topic
  int shutdown_timeout_ms = 3000;
};

}  // namespace tgw::config
