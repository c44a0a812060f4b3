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
  std::vector<std::string> alpn;    // ALPN protocols offered, e.g. {"x-amzn-mqtt-ca"} (AWS IoT on 443)
};

// SigV4-signed WebSocket URLs (AWS IoT Core with temporary credentials).
// The credentials are read again before every connect attempt and every
// attempt gets a fresh signature.
struct AwsSigV4Config {
  bool enabled = false;
  std::string region;                         // eu-west-1
  std::string service = "iotdevicegateway";
  // JSON as written by `aws sts ...` / the ECS/IMDS credential endpoints:
  // {"AccessKeyId": ..., "SecretAccessKey": ..., "SessionToken": ..., "Expiration": "2026-01-01T00:00:00Z"}
  std::string credentials_file;
  // Alternatively (or to override single fields): ${ENV} or *_file secrets.
  Secret access_key_id;
  Secret secret_access_key;
  Secret session_token;
  int expires_s = 300;                        // X-Amz-Expires
  // The Host header value that is signed; empty = "host:port" exactly as
  // Paho sends it.
  std::string signed_host;
};

// Cellular fallback over a SIMCom SIM7080G's own MQTT client (AT+SM*).
struct ModemUplinkConfig {
  bool enabled = false;
  std::string device;                // serial port of the modem's AT interface
  int baud = 115200;
  std::string url;                   // broker for the modem: host:port (AT+SMCONF="URL")
  std::string client_id;             // default: <uplink.client_id>-cell
  std::string username;
  Secret password;
  int keepalive_s = 60;
  bool tls = false;                  // AT+SMSSL before AT+SMCONN
  std::string tls_ca_name;           // certificate file names already stored in the modem
  std::string tls_cert_name;
  int command_timeout_ms = 5000;
  int connect_timeout_ms = 60000;    // AT+SMCONN can take long on a cellular link
  int health_interval_s = 30;        // AT+SMSTATE? while connected
  int inflight_window = 4;           // AT+SMPUB commands queued at once
  int failover_after_s = 60;         // IP uplink down this long -> use the modem
  int max_topic = 128;               // SIM7080 limits
  int max_payload = 1024;
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
  // Ordered endpoints tried in turn (the first is preferred); empty = {url}.
  std::vector<std::string> endpoints;
  // While connected through a later endpoint, try the preferred one again
  // this often (0 = never).
  int prefer_retry_s = 300;
  std::string protocol = "3.1.1";  // 3.1.1 | 5
  std::string client_id;           // default: the gateway's device_id
  int keepalive_s = 60;
  bool clean_session = false;
  int session_expiry_s = 604800;   // MQTT 5 only: 7 days
  int connect_timeout_s = 10;
  std::string username;
  Secret password;
  TlsConfig tls;
  AwsSigV4Config aws;
  ModemUplinkConfig modem;
  ReconnectConfig reconnect;
  int inflight_window = 16;        // our own unacknowledged window
  int max_inflight = 32;           // Paho's window; must be > inflight_window
  std::string will_topic;          // default: first enabled profile's status topic
  int shutdown_timeout_ms = 3000;
};

}  // namespace tgw::config
