// AWS Signature Version 4 (pure functions, HMAC-SHA256 / SHA-256 from
// OpenSSL) and the presigned WebSocket URL AWS IoT Core accepts. Unit tested
// against AWS's published SigV4 test suite (tests/data/aws-sigv4).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tgw::uplink::aws {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty for long-term keys
};

// RFC 3986 percent-encoding as SigV4 wants it: A-Z a-z 0-9 - _ . ~ kept,
// everything else %XX (upper case); '/' kept only if `keep_slash`.
std::string uriEncode(std::string_view s, bool keep_slash = false);
std::string sha256Hex(std::string_view data);
std::string hmacSha256(std::string_view key, std::string_view data);  // raw 32 bytes
std::string toHex(std::string_view bytes);

// "20150830T123600Z" and "20150830" of a time point (UTC).
std::string amzDate(std::chrono::system_clock::time_point t);

struct Request {
  std::string method = "GET";
  std::string path = "/";  // already URI-encoded path
  // Raw (not yet encoded) query parameters; encoded and sorted when signing.
  std::vector<std::pair<std::string, std::string>> query;
  // Header names in any case; values trimmed when signing. All are signed.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload;
};

struct Scope {
  std::string amz_date;  // 20150830T123600Z
  std::string region;
  std::string service;
  [[nodiscard]] std::string date() const { return amz_date.substr(0, 8); }
  [[nodiscard]] std::string credentialScope() const;  // 20150830/us-east-1/service/aws4_request
};

struct Signed {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;      // hex
  std::string signed_headers;  // "host;x-amz-date"
};

std::string canonicalQuery(std::vector<std::pair<std::string, std::string>> query);
Signed sign(const Request& request, const Scope& scope, std::string_view secret_access_key);
// The Authorization header value for header-based signing (the suite's .authz).
std::string authorization(const Signed& s, const Scope& scope, std::string_view access_key_id);

// The path + query of an AWS IoT Core MQTT-over-WebSocket URL, presigned
// with the query parameters X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date,
// X-Amz-Expires, X-Amz-SignedHeaders=host and X-Amz-Signature; the session
// token (if any) is appended AFTER the signature as X-Amz-Security-Token and
// is not part of the canonical request (AWS IoT's WebSocket rule).
// `host` is the Host header value the client sends (Paho: "host:port").
struct PresignParams {
  std::string host;
  std::string path = "/mqtt";
  std::string region;
  std::string service = "iotdevicegateway";
  int expires_s = 300;
  std::chrono::system_clock::time_point now;
};
std::string presignWebSocketPath(const PresignParams& params, const Credentials& credentials);

}  // namespace tgw::uplink::aws
