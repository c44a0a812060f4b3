#include "uplink/aws/credentials.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace tgw::uplink::aws {

namespace {

using SysTime = std::chrono::system_clock::time_point;

bool validKeyId(const std::string& id) {
  if (id.size() < 16 || id.size() > 128) return false;
  for (char c : id) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

bool printableNoSpace(const std::string& s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return false;
  }
  return true;
}

Expected<void> fromFile(const std::string& path, LoadedCredentials& out) {
  std::ifstream in(path);
  if (!in) {
    return makeError(Errc::kNotFound,
                     fmt::format("cannot read the AWS credentials file {}: {}", path, std::strerror(errno)));
  }
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::exception& e) {
    return makeError(Errc::kParse, fmt::format("AWS credentials file {} is not valid JSON ({}); expected "
                                               "{{\"AccessKeyId\": ..., \"SecretAccessKey\": ..., \"SessionToken\": "
                                               "..., \"Expiration\": ...}}",
                                               path, e.what()));
  }
  if (j.contains("Credentials") && j["Credentials"].is_object()) j = j["Credentials"];  // whole `aws sts` output
  if (!j.is_object()) return makeError(Errc::kParse, fmt::format("AWS credentials file {}: not a JSON object", path));
  auto field = [&](const char* name) -> std::string {
    const auto it = j.find(name);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  out.credentials.access_key_id = field("AccessKeyId");
  out.credentials.secret_access_key = field("SecretAccessKey");
  out.credentials.session_token = field("SessionToken");
  if (out.credentials.session_token.empty()) out.credentials.session_token = field("Token");  // IMDS / ECS name
  if (const std::string exp = field("Expiration"); !exp.empty()) {
    out.expiration = parseIso8601(exp);
    if (!out.expiration) {
      return makeError(Errc::kParse, fmt::format("AWS credentials file {}: Expiration '{}' is not an ISO 8601 UTC "
                                                 "time (2026-01-31T12:00:00Z)",
                                                 path, exp));
    }
  }
  out.source = "file " + path;
  return {};
}

Expected<void> fromSecret(const config::Secret& secret, std::string_view what, std::string& value,
                          std::string& source) {
  if (secret.empty()) return {};
  auto v = secret.resolve();
  if (!v) {
    return makeError(v.error().code,
                     fmt::format("cannot read the AWS {} ({}): {}", what, secret.describe(), v.error().message));
  }
  value = *v;
  if (source.empty()) source = secret.describe();
  return {};
}

}  // namespace

std::optional<SysTime> parseIso8601(std::string_view text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, n = 0;
  const std::string t(text);
  if (std::sscanf(t.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &n) != 6) return std::nullopt;
  std::string_view rest = std::string_view(t).substr(static_cast<std::size_t>(n));
  if (!rest.empty() && rest.front() == '.') {
    rest.remove_prefix(1);
    while (!rest.empty() && rest.front() >= '0' && rest.front() <= '9') rest.remove_prefix(1);
  }
  if (rest != "Z" && rest != "+00:00" && rest != "z") return std::nullopt;
  using namespace std::chrono;
  const year_month_day ymd{year(y), month(static_cast<unsigned>(mo)), day(static_cast<unsigned>(d))};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 60) return std::nullopt;
  return sys_days(ymd) + hours(h) + minutes(mi) + seconds(s);
}

Expected<LoadedCredentials> loadCredentials(const config::AwsSigV4Config& cfg, SysTime now) {
  LoadedCredentials out;
  if (!cfg.credentials_file.empty()) {
    if (auto r = fromFile(cfg.credentials_file, out); !r) return tl::unexpected(r.error());
  }
  std::string env_source;
  if (auto r = fromSecret(cfg.access_key_id, "access key id", out.credentials.access_key_id, env_source); !r) {
    return tl::unexpected(r.error());
  }
  if (auto r = fromSecret(cfg.secret_access_key, "secret access key", out.credentials.secret_access_key, env_source);
      !r) {
    return tl::unexpected(r.error());
  }
  if (auto r = fromSecret(cfg.session_token, "session token", out.credentials.session_token, env_source); !r) {
    return tl::unexpected(r.error());
  }
  if (out.source.empty()) out.source = env_source;
  const auto& c = out.credentials;
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    return makeError(Errc::kConfig, fmt::format("AWS credentials ({}) lack {}", out.source.empty() ? "none" : out.source,
                                                c.access_key_id.empty() ? "the access key id" : "the secret access key"));
  }
  if (!validKeyId(c.access_key_id)) {
    return makeError(Errc::kConfig, fmt::format("AWS access key id '{}' ({}) is malformed: expected 16-128 "
                                                "characters A-Z/0-9 (e.g. ASIA...)",
                                                c.access_key_id.substr(0, 24), out.source));
  }
  if (!printableNoSpace(c.secret_access_key) || c.secret_access_key.size() < 16) {
    return makeError(Errc::kConfig, fmt::format("AWS secret access key ({}) is malformed: it must be at least 16 "
                                                "printable characters without spaces",
                                                out.source));
  }
  if (!c.session_token.empty() && !printableNoSpace(c.session_token)) {
    return makeError(Errc::kConfig,
                     fmt::format("AWS session token ({}) is malformed: it contains spaces or control characters",
                                 out.source));
  }
  if (out.expiration && *out.expiration <= now) {
    return makeError(Errc::kPermission,
                     fmt::format("AWS credentials ({}) expired at {:%Y-%m-%dT%H:%M:%SZ}; refresh them (they are read "
                                 "again before every connect attempt)",
                                 out.source, std::chrono::time_point_cast<std::chrono::seconds>(*out.expiration)));
  }
  return out;
}

}  // namespace tgw::uplink::aws
