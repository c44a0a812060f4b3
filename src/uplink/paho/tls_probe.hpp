// Our own TLS handshake to the broker with OpenSSL, done on the connector
// thread (never on Paho's threads):
//  - before every Paho connect when public-key pins are configured (Paho C
//    1.3 has no certificate verification hook, so the pin is checked on
//    this separate connection, with the same CA, host name and client
//    certificate settings), and
//  - after a failed Paho TLS connect, to say in plain words why (unknown CA,
//    host name mismatch, client certificate required ...).
#pragma once

#include <openssl/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "tgw/config/uplink_config.hpp"
#include "tgw/core/error.hpp"

namespace tgw::uplink {

// "sha256/<base64 of SHA-256 of the DER SubjectPublicKeyInfo>".
std::string spkiPin(X509* cert);
// The pin of the first certificate in a PEM file (for tests and tooling).
Expected<std::string> spkiPinOfPemFile(const std::string& path);

struct TlsProbeOptions {
  std::string host;
  int port = 8883;
  config::TlsConfig tls;
  std::string key_password;
  std::chrono::milliseconds timeout{10000};
  // Polled while waiting; true aborts the probe (stop requested).
  std::function<bool()> cancelled;
  // After the handshake, wait briefly for a fatal alert (a TLS 1.3 server
  // rejects a missing client certificate only after the handshake).
  bool wait_for_alert = false;
};

struct TlsProbeResult {
  std::string version;            // "TLSv1.3"
  std::vector<std::string> pins;  // verified chain (leaf first); leaf only without verification
};

Expected<TlsProbeResult> probeTls(const TlsProbeOptions& options);

// Ok if any configured pin matches a key in `result.pins`.
Expected<void> checkPins(const TlsProbeResult& result, const std::vector<std::string>& pins);

}  // namespace tgw::uplink
