#include "uplink/aws/sigv4.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace tgw::uplink::aws {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// Trim and collapse runs of spaces (SigV4 canonical header values).
std::string trimValue(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

}  // namespace

std::string uriEncode(std::string_view s, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3);
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0x0f];
    }
  }
  return out;
}

std::string toHex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    out += kHex[c >> 4];
    out += kHex[c & 0x0f];
  }
  return out;
}

std::string sha256Hex(std::string_view data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return toHex(std::string_view(reinterpret_cast<const char*>(md), len));
}

std::string hmacSha256(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), md, &len);
  return {reinterpret_cast<const char*>(md), len};
}

std::string amzDate(std::chrono::system_clock::time_point t) {
  return fmt::format("{:%Y%m%dT%H%M%SZ}", std::chrono::time_point_cast<std::chrono::seconds>(t));
}

std::string Scope::credentialScope() const { return fmt::format("{}/{}/{}/aws4_request", date(), region, service); }

std::string canonicalQuery(std::vector<std::pair<std::string, std::string>> query) {
  for (auto& [k, v] : query) {
    k = uriEncode(k);
    v = uriEncode(v);
  }
  std::sort(query.begin(), query.end());
  std::string out;
  for (const auto& [k, v] : query) {
    if (!out.empty()) out += '&';
    out += k;
    out += '=';
    out += v;
  }
  return out;
}

Signed sign(const Request& request, const Scope& scope, std::string_view secret_access_key) {
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& [name, value] : request.headers) headers.emplace_back(lower(name), trimValue(value));
  std::stable_sort(headers.begin(), headers.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string canonical_headers;
  Signed out;
  for (std::size_t i = 0; i < headers.size(); ++i) {
    if (i > 0 && headers[i].first == headers[i - 1].first) {
      canonical_headers.pop_back();  // "\n": repeated header, values joined with ','
      canonical_headers += ',' + headers[i].second + '\n';
      continue;
    }
    canonical_headers += headers[i].first + ':' + headers[i].second + '\n';
    if (!out.signed_headers.empty()) out.signed_headers += ';';
    out.signed_headers += headers[i].first;
  }
  out.canonical_request = fmt::format("{}\n{}\n{}\n{}\n{}\n{}", request.method, request.path,
                                      canonicalQuery(request.query), canonical_headers, out.signed_headers,
                                      sha256Hex(request.payload));
  out.string_to_sign = fmt::format("AWS4-HMAC-SHA256\n{}\n{}\n{}", scope.amz_date, scope.credentialScope(),
                                   sha256Hex(out.canonical_request));
  std::string key = hmacSha256("AWS4" + std::string(secret_access_key), scope.date());
  key = hmacSha256(key, scope.region);
  key = hmacSha256(key, scope.service);
  key = hmacSha256(key, "aws4_request");
  out.signature = toHex(hmacSha256(key, out.string_to_sign));
  return out;
}

std::string authorization(const Signed& s, const Scope& scope, std::string_view access_key_id) {
  return fmt::format("AWS4-HMAC-SHA256 Credential={}/{}, SignedHeaders={}, Signature={}", access_key_id,
                     scope.credentialScope(), s.signed_headers, s.signature);
}

std::string presignWebSocketPath(const PresignParams& p, const Credentials& credentials) {
  Scope scope{amzDate(p.now), p.region, p.service};
  Request req;
  req.method = "GET";
  req.path = p.path;
  req.query = {{"X-Amz-Algorithm", "AWS4-HMAC-SHA256"},
               {"X-Amz-Credential", credentials.access_key_id + "/" + scope.credentialScope()},
               {"X-Amz-Date", scope.amz_date},
               {"X-Amz-Expires", std::to_string(p.expires_s)},
               {"X-Amz-SignedHeaders", "host"}};
  req.headers = {{"host", p.host}};
  const Signed s = sign(req, scope, credentials.secret_access_key);
  std::string out = p.path + "?" + canonicalQuery(req.query) + "&X-Amz-Signature=" + s.signature;
  if (!credentials.session_token.empty()) out += "&X-Amz-Security-Token=" + uriEncode(credentials.session_token);
  return out;
}

}  // namespace tgw::uplink::aws
