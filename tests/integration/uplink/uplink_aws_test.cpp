// AWS IoT Core paths against local stand-ins: SigV4-presigned WebSocket URLs
// (checked on the wire through a recording proxy, then accepted by
// mosquitto's websockets listener, which ignores the query), credentials
// re-read and re-signed at every attempt, expired / malformed credentials,
// clock skew reported from the server's Date header, and ALPN offered to an
// OpenSSL server. (mTLS with X.509 client certificates: uplink_tls_test.)
#include <fmt/chrono.h>
#include <gtest/gtest.h>

#include <regex>

#include "support/mosquitto.hpp"
#include "uplink/aws/sigv4.hpp"
#include "uplink_rig.hpp"
#include "ws_support.hpp"

namespace tgw::test {
namespace {

std::string credsJson(const std::string& key_id, const std::string& token, std::chrono::system_clock::time_point exp) {
  return fmt::format(R"({{"AccessKeyId": "{}", "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                         "SessionToken": "{}", "Expiration": "{:%Y-%m-%dT%H:%M:%SZ}"}})",
                     key_id, token, std::chrono::time_point_cast<std::chrono::seconds>(exp));
}

config::UplinkConfig awsConfig(const std::string& url, const std::string& creds_file) {
  auto cfg = testConfig(url, "gw-aws");
  cfg.aws.enabled = true;
  cfg.aws.region = "us-east-1";
  cfg.aws.credentials_file = creds_file;
  return cfg;
}

struct Captured {
  std::string target;  // "/mqtt?..."
  std::string host;
};

Captured parseRequest(const std::string& head) {
  Captured c;
  const auto sp1 = head.find(' ');
  c.target = head.substr(sp1 + 1, head.find(' ', sp1 + 1) - sp1 - 1);
  const auto h = head.find("\r\nHost: ");
  c.host = head.substr(h + 8, head.find("\r\n", h + 8) - h - 8);
  return c;
}

// Re-sign what was captured with the date it carries: the URL on the wire is
// exactly the presigned URL for the Host header that was sent.
void expectValidlySigned(const Captured& c, const std::string& key_id, const std::string& token) {
  std::smatch m;
  ASSERT_TRUE(std::regex_search(c.target, m, std::regex("X-Amz-Date=(\\d{8}T\\d{6}Z)"))) << c.target;
  const std::string d = m[1];
  std::tm tm{};
  ::strptime(d.c_str(), "%Y%m%dT%H%M%SZ", &tm);
  uplink::aws::PresignParams p;
  p.host = c.host;
  p.region = "us-east-1";
  p.expires_s = 300;
  p.now = std::chrono::system_clock::from_time_t(::timegm(&tm));
  EXPECT_EQ(c.target, uplink::aws::presignWebSocketPath(
                          p, {key_id, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token}));
  const std::regex shape(
      "^/mqtt\\?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" + key_id +
      "%2F\\d{8}%2Fus-east-1%2Fiotdevicegateway%2Faws4_request&X-Amz-Date=\\d{8}T\\d{6}Z&X-Amz-Expires=300"
      "&X-Amz-SignedHeaders=host&X-Amz-Signature=[0-9a-f]{64}&X-Amz-Security-Token=" + token + "$");
  EXPECT_TRUE(std::regex_match(c.target, shape)) << c.target;
}

struct WsBroker {
  explicit WsBroker(const std::vector<std::string>& tls_lines = {}) : ws_port(freePort()) {
    BrokerOptions o;
    o.extra_listeners = {wsListener(ws_port, tls_lines)};
    broker = std::make_unique<Mosquitto>(o);
    if (!waitFor([&] { return portOpen(ws_port); })) throw std::runtime_error("websockets listener not up");
  }
  int ws_port;
  std::unique_ptr<Mosquitto> broker;
};

TEST(UplinkAws, SigV4UrlOnTheWireIsFreshForEveryAttemptAndAccepted) {
  WsBroker b;
  RecordingProxy proxy(b.ws_port);
  TempDir dir;
  const auto soon = std::chrono::system_clock::now() + std::chrono::hours(1);
  const std::string creds = dir.write("creds.json", credsJson("ASIAFIRSTKEY00000001", "token1", soon));
  Subscriber sub(b.broker->port(), "aws/#");
  UplinkRig rig(awsConfig("ws://127.0.0.1:" + std::to_string(proxy.port()) + "/mqtt", creds));
  rig.start();
  ASSERT_TRUE(rig.waitConnected()) << rig.uplink->stats().last_error << " accepted " << proxy.accepted() << " target failed " << proxy.targetFailed() << " requests " << proxy.requests().size()
                                   << (proxy.requests().empty() ? "" : proxy.requests()[0]) << b.broker->log();
  ASSERT_TRUE(rig.send(1, "aws/data", "signed", 1));
  ASSERT_TRUE(waitFor([&] { return rig.listener.delivered().size() == 1; }));
  ASSERT_TRUE(sub.waitForText("aws/data signed"));
  ASSERT_EQ(proxy.requests().size(), 1U);
  const Captured first = parseRequest(proxy.requests()[0]);
  EXPECT_EQ(first.host, "127.0.0.1:" + std::to_string(proxy.port()));
  expectValidlySigned(first, "ASIAFIRSTKEY00000001", "token1");
  EXPECT_EQ(rig.uplink->stats().broker.find('?'), std::string::npos) << "no signature in the status / logs";

  // Rotated credentials: read again and signed again at the next attempt.
  dir.write("creds.json", credsJson("ASIASECONDKEY0000002", "token2", soon));
  rig.lt.sync([&] { rig.uplink->reconnect(); });
  ASSERT_TRUE(rig.waitConnected(2));
  ASSERT_EQ(proxy.requests().size(), 2U);
  const Captured second = parseRequest(proxy.requests()[1]);
  expectValidlySigned(second, "ASIASECONDKEY0000002", "token2");
  EXPECT_NE(first.target, second.target);
  rig.stop();
}

TEST(UplinkAws, SigV4OverWssAgainstMosquitto) {
  WsBroker b(tlsListener(certs().server_cert, certs().server_key));
  TempDir dir;
  const std::string creds = dir.write(
      "creds.json", credsJson("ASIAFIRSTKEY00000001", "tok", std::chrono::system_clock::now() + std::chrono::hours(1)));
  auto cfg = awsConfig("wss://127.0.0.1:" + std::to_string(b.ws_port) + "/mqtt", creds);
  cfg.tls.ca_file = certs().ca;
  UplinkRig rig(cfg);
  rig.start();
  ASSERT_TRUE(rig.waitConnected()) << rig.uplink->stats().last_error;
  ASSERT_TRUE(rig.send(7, "aws/x", "y", 1));
  ASSERT_TRUE(waitFor([&] { return rig.listener.delivered().size() == 1; }));
  rig.stop();
}

TEST(UplinkAws, ExpiredThenMalformedCredentialsBackOffWithoutConnectingThenRecover) {
  WsBroker b;
  RecordingProxy proxy(b.ws_port);
  TempDir dir;
  const auto now = std::chrono::system_clock::now();
  const std::string creds = dir.write("creds.json", credsJson("ASIAFIRSTKEY00000001", "t", now - std::chrono::minutes(1)));
  LogCapture log;
  UplinkRig rig(awsConfig("ws://127.0.0.1:" + std::to_string(proxy.port()) + "/mqtt", creds));
  rig.start();
  ASSERT_TRUE(waitFor([&] { return rig.uplink->stats().last_error.find("expired at") != std::string::npos; }))
      << rig.uplink->stats().last_error;
  EXPECT_NE(rig.uplink->stats().last_error.find("file " + creds), std::string::npos);
  EXPECT_NE(rig.uplink->stats().last_error.find("retrying in"), std::string::npos);
  EXPECT_FALSE(rig.send(1, "aws/data", "kept", 1)) << "not taken: the queue keeps it";

  dir.write("creds.json", "{\"AccessKeyId\": \"ASIA");
  ASSERT_TRUE(waitFor([&] { return rig.uplink->stats().last_error.find("not valid JSON") != std::string::npos; }));
  EXPECT_TRUE(proxy.requests().empty()) << "no connection is attempted with unusable credentials";
  EXPECT_EQ(log.count("expired at", "warn"), 1);

  dir.write("creds.json", credsJson("ASIAFIRSTKEY00000001", "t", now + std::chrono::hours(1)));
  ASSERT_TRUE(rig.waitConnected()) << rig.uplink->stats().last_error;
  ASSERT_TRUE(rig.send(1, "aws/data", "kept", 1));
  ASSERT_TRUE(waitFor([&] { return rig.listener.delivered().size() == 1; }));
  rig.stop();
}

TEST(UplinkAws, ClockSkewBeyondTheSigV4WindowIsReported) {
  // The server's clock is an hour behind ours: AWS answers 403 to such a signature.
  const auto server_time = std::chrono::system_clock::now() - std::chrono::hours(1);
  HttpRefuser server("HTTP/1.1 403 Forbidden",
                     fmt::format("{:%a, %d %b %Y %H:%M:%S GMT}",
                                 std::chrono::time_point_cast<std::chrono::seconds>(server_time)));
  TempDir dir;
  const std::string creds = dir.write(
      "creds.json", credsJson("ASIAFIRSTKEY00000001", "t", std::chrono::system_clock::now() + std::chrono::hours(2)));
  UplinkRig rig(awsConfig("ws://127.0.0.1:" + std::to_string(server.port()) + "/mqtt", creds));
  rig.start();
  ASSERT_TRUE(waitFor([&] { return rig.uplink->stats().last_error.find("retrying") != std::string::npos; }));
  const std::string err = rig.uplink->stats().last_error;
  EXPECT_NE(err.find("HTTP/1.1 403 Forbidden"), std::string::npos) << err;
  EXPECT_TRUE(std::regex_search(err, std::regex("the gateway clock is 3[56]\\d\\d s ahead of the server's"))) << err;
  EXPECT_NE(err.find("fix the system time (NTP)"), std::string::npos) << err;
  rig.stop();
}

// AWS IoT Core's MQTT on port 443 needs ALPN "x-amzn-mqtt-ca": Paho C 1.3.12
// offers the configured protocols (seen by OpenSSL's s_server).
TEST(UplinkAws, AlpnProtocolIsOffered) {
  const int port = freePort();
  // s_server ends at end of input: give it a stdin that stays open (and
  // prints what the client offered; -quiet would hide it).
  Process server({"bash", "-c",
                  "exec openssl s_server -accept 127.0.0.1:" + std::to_string(port) + " -cert " +
                      certs().server_cert + " -key " + certs().server_key + " -alpn x-amzn-mqtt-ca < <(sleep 20)"});
  ASSERT_TRUE(waitFor([&] { return portOpen(port) || !server.running(); })) << server.output();
  auto cfg = testConfig("mqtts://127.0.0.1:" + std::to_string(port), "gw-alpn");
  cfg.tls.ca_file = certs().ca;
  cfg.tls.alpn = {"x-amzn-mqtt-ca"};
  UplinkRig rig(cfg);
  rig.start();
  ASSERT_TRUE(waitFor([&] {
    return server.output().find("ALPN protocols advertised by the client: x-amzn-mqtt-ca") != std::string::npos;
  })) << server.output();
  EXPECT_NE(server.output().find("ALPN protocols advertised by the client: x-amzn-mqtt-ca"), std::string::npos);
  rig.stop();
}

}  // namespace
}  // namespace tgw::test
