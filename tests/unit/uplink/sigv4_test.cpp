// SigV4 against AWS's published test suite (tests/data/aws-sigv4, see its
// SOURCES.md), then the AWS IoT presigned WebSocket URL.
#include "uplink/aws/sigv4.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "support/support.hpp"
#include "uplink/aws/credentials.hpp"

namespace tgw::uplink::aws {
namespace {

constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

std::string vector(const std::string& name) {
  std::ifstream in(test::sourcePath("tests/data/aws-sigv4/" + name));
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// "GET /?a=b HTTP/1.1\nHost:x\nX-Amz-Date:..." -> Request (query split raw;
// the suite's queries hold no percent-escapes).
Request parseReq(const std::string& text) {
  Request r;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  r.method = line.substr(0, line.find(' '));
  std::string target = line.substr(r.method.size() + 1, line.rfind(' ') - r.method.size() - 1);
  const auto qpos = target.find('?');
  r.path = target.substr(0, qpos);
  if (qpos != std::string::npos) {
    std::string query = target.substr(qpos + 1);
    std::size_t pos = 0;
    while (pos <= query.size()) {
      const auto amp = query.find('&', pos);
      const std::string kv = query.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
      const auto eq = kv.find('=');
      r.query.emplace_back(kv.substr(0, eq), eq == std::string::npos ? "" : kv.substr(eq + 1));
      if (amp == std::string::npos) break;
      pos = amp + 1;
    }
  }
  while (std::getline(in, line)) {
    if (line.empty()) break;
    const auto colon = line.find(':');
    r.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  return r;
}

class SuiteVector : public ::testing::TestWithParam<const char*> {};

TEST_P(SuiteVector, MatchesAuthorization) {
  const std::string name = GetParam();
  const Scope scope{"20150830T123600Z", "us-east-1", "service"};
  const Signed s = sign(parseReq(vector(name + ".req")), scope, kSecret);
  EXPECT_EQ(authorization(s, scope, "AKIDEXAMPLE"), vector(name + ".authz"));
}

INSTANTIATE_TEST_SUITE_P(AwsSuite, SuiteVector,
                         ::testing::Values("get-vanilla", "post-vanilla", "get-vanilla-query-order-key-case",
                                           "get-vanilla-query-order-value", "get-vanilla-query-unreserved"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (auto& c : n) c = c == '-' ? '_' : c;
                           return n;
                         });

TEST(SigV4, CanonicalRequestAndStringToSignOfTheSuite) {
  const Scope scope{"20150830T123600Z", "us-east-1", "service"};
  const Signed s = sign(parseReq(vector("get-vanilla-query-order-value.req")), scope, kSecret);
  EXPECT_EQ(s.canonical_request, vector("get-vanilla-query-order-value.creq"));
  EXPECT_EQ(s.string_to_sign, vector("get-vanilla-query-order-value.sts"));
}

TEST(SigV4, UriEncode) {
  EXPECT_EQ(uriEncode("AKID/20150830/us-east-1/iotdevicegateway/aws4_request"),
            "AKID%2F20150830%2Fus-east-1%2Fiotdevicegateway%2Faws4_request");
  EXPECT_EQ(uriEncode("a+b=c d~"), "a%2Bb%3Dc%20d~");
  EXPECT_EQ(uriEncode("/a b/", true), "/a%20b/");
}

TEST(SigV4, PresignedWebSocketPath) {
  PresignParams p;
  p.host = "abc-ats.iot.eu-west-1.amazonaws.com:443";
  p.region = "eu-west-1";
  p.expires_s = 300;
  p.now = std::chrono::sys_days(std::chrono::year(2015) / 8 / 30) + std::chrono::hours(12) + std::chrono::minutes(36);
  const Credentials c{"AKIDEXAMPLE", kSecret, "tok/en+=="};
  const std::string path = presignWebSocketPath(p, c);
  const std::string head =
      "/mqtt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Feu-west-1%2F"
      "iotdevicegateway%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host"
      "&X-Amz-Signature=";
  ASSERT_EQ(path.substr(0, head.size()), head);
  const std::string rest = path.substr(head.size());
  // 64 hex digits, then the token AFTER the signature (not signed).
  ASSERT_EQ(rest.substr(64), "&X-Amz-Security-Token=tok%2Fen%2B%3D%3D");
  const std::string sig = rest.substr(0, 64);
  EXPECT_EQ(sig.find_first_not_of("0123456789abcdef"), std::string::npos);
  // The signature is the one of the canonical request without the token.
  Request req;
  req.path = "/mqtt";
  req.query = {{"X-Amz-Algorithm", "AWS4-HMAC-SHA256"},
               {"X-Amz-Credential", "AKIDEXAMPLE/20150830/eu-west-1/iotdevicegateway/aws4_request"},
               {"X-Amz-Date", "20150830T123600Z"},
               {"X-Amz-Expires", "300"},
               {"X-Amz-SignedHeaders", "host"}};
  req.headers = {{"host", p.host}};
  const Signed s = sign(req, {"20150830T123600Z", "eu-west-1", "iotdevicegateway"}, kSecret);
  EXPECT_EQ(sig, s.signature);
  EXPECT_NE(s.canonical_request.find("\nhost:abc-ats.iot.eu-west-1.amazonaws.com:443\n"), std::string::npos);
  // Without a session token nothing is appended; a later time signs differently.
  p.now += std::chrono::seconds(1);
  const std::string later = presignWebSocketPath(p, {"AKIDEXAMPLE", kSecret, ""});
  EXPECT_EQ(later.find("X-Amz-Security-Token"), std::string::npos);
  EXPECT_NE(later.substr(later.size() - 64), sig);
}

TEST(AwsCredentials, FileEnvExpiryAndMalformed) {
  test::TempDir dir;
  const auto now = std::chrono::sys_days(std::chrono::year(2026) / 11 / 22) + std::chrono::hours(23);
  config::AwsSigV4Config cfg;
  cfg.credentials_file = dir.write("creds.json", R"({"Credentials": {"AccessKeyId": "ASIAEXAMPLEEXAMPLE12",
      "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "SessionToken": "FwoGZXIvYXdzEBY=",
      "Expiration": "2026-11-23T00:00:00Z"}})");
  auto ok = loadCredentials(cfg, now);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->credentials.access_key_id, "ASIAEXAMPLEEXAMPLE12");
  EXPECT_EQ(ok->credentials.session_token, "FwoGZXIvYXdzEBY=");
  ASSERT_TRUE(ok->expiration);

  auto expired = loadCredentials(cfg, now + std::chrono::hours(2));
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().code, Errc::kPermission);
  EXPECT_NE(expired.error().message.find("expired at 2026-11-23T00:00:00Z"), std::string::npos)
      << expired.error().message;

  dir.write("creds.json", "{\"AccessKeyId\": ");
  auto broken = loadCredentials(cfg, now);
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().message.find("is not valid JSON"), std::string::npos) << broken.error().message;

  dir.write("creds.json", R"({"AccessKeyId": "not a key", "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"})");
  auto bad_id = loadCredentials(cfg, now);
  ASSERT_FALSE(bad_id);
  EXPECT_NE(bad_id.error().message.find("access key id 'not a key'"), std::string::npos) << bad_id.error().message;

  dir.write("creds.json", R"({"AccessKeyId": "ASIAEXAMPLEEXAMPLE12"})");
  auto no_secret = loadCredentials(cfg, now);
  ASSERT_FALSE(no_secret);
  EXPECT_NE(no_secret.error().message.find("lack the secret access key"), std::string::npos);

  // Environment variables, read at each call.
  config::AwsSigV4Config env;
  env.access_key_id.env = "TGW_TEST_AWS_KEY";
  env.secret_access_key.env = "TGW_TEST_AWS_SECRET";
  env.session_token.env = "TGW_TEST_AWS_TOKEN";
  ::setenv("TGW_TEST_AWS_KEY", "AKIDEXAMPLEEXAMPLE", 1);
  ::setenv("TGW_TEST_AWS_SECRET", kSecret, 1);
  ::setenv("TGW_TEST_AWS_TOKEN", "t1", 1);
  auto e1 = loadCredentials(env, now);
  ASSERT_TRUE(e1) << e1.error().message;
  EXPECT_EQ(e1->credentials.session_token, "t1");
  ::setenv("TGW_TEST_AWS_TOKEN", "t2", 1);
  EXPECT_EQ(loadCredentials(env, now)->credentials.session_token, "t2");
  ::unsetenv("TGW_TEST_AWS_SECRET");
  EXPECT_FALSE(loadCredentials(env, now));
}

TEST(AwsCredentials, Iso8601) {
  using namespace std::chrono;
  EXPECT_EQ(parseIso8601("2026-11-23T00:00:00Z"), sys_days(year(2026) / 11 / 23));
  EXPECT_EQ(parseIso8601("2026-11-23T00:00:01.500Z"), sys_days(year(2026) / 11 / 23) + seconds(1));
  EXPECT_TRUE(parseIso8601("2026-11-23T00:00:00+00:00"));
  EXPECT_FALSE(parseIso8601("2026-11-23 00:00:00"));
  EXPECT_FALSE(parseIso8601("2026-13-01T00:00:00Z"));
  EXPECT_FALSE(parseIso8601("2026-11-23T00:00:00+02:00"));
}

}  // namespace
}  // namespace tgw::uplink::aws
