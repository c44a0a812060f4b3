// WebSocket transport through Paho (ws://, wss:// with a path) against
// mosquitto's websockets listener, the ordered endpoint list with fallback
// from a blocked port, moving back to the preferred endpoint, and HTTP
// errors of a WebSocket endpoint.
#include <fmt/chrono.h>
#include <gtest/gtest.h>

#include "support/mosquitto.hpp"
#include "uplink_rig.hpp"
#include "ws_support.hpp"

namespace tgw::test {
namespace {

std::string httpDate(std::chrono::system_clock::time_point t) {
  return fmt::format("{:%a, %d %b %Y %H:%M:%S GMT}", std::chrono::time_point_cast<std::chrono::seconds>(t));
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

TEST(UplinkWebSocket, PlainWsWithPathPublishesAndSubscribes) {
  WsBroker b;
  Subscriber sub(b.broker->port(), "ws/#");
  const std::string url = "ws://127.0.0.1:" + std::to_string(b.ws_port) + "/mqtt";
  UplinkRig rig(testConfig(url, "gw-ws"), "ws/status", {{"ws/cmd", 1}});
  rig.start();
  ASSERT_TRUE(rig.waitConnected()) << rig.uplink->stats().last_error;
  EXPECT_EQ(rig.uplink->stats().broker, url);
  ASSERT_TRUE(rig.send(1, "ws/data", "over-websocket", 1));
  ASSERT_TRUE(waitFor([&] { return rig.listener.delivered().size() == 1; }));
  ASSERT_TRUE(sub.waitForText("ws/data over-websocket"));
  ASSERT_EQ(publish(b.broker->port(), "ws/cmd", "{\"id\":1}"), 0);
  ASSERT_TRUE(waitFor([&] { return !rig.listener.messages().empty(); }));
  EXPECT_EQ(rig.listener.messages().front(), "ws/cmd {\"id\":1}");
  rig.stop();
}

TEST(UplinkWebSocket, WssWithCaPublishes) {
  WsBroker b(tlsListener(certs().server_cert, certs().server_key));
  Subscriber sub(b.broker->port(), "wss/#");
  auto cfg = testConfig("wss://127.0.0.1:" + std::to_string(b.ws_port) + "/mqtt", "gw-wss");
  cfg.tls.ca_file = certs().ca;
  UplinkRig rig(cfg);
  rig.start();
  ASSERT_TRUE(rig.waitConnected()) << rig.uplink->stats().last_error;
  ASSERT_TRUE(rig.send(1, "wss/data", "over-tls-websocket", 1));
  ASSERT_TRUE(waitFor([&] { return rig.listener.delivered().size() == 1; }));
  ASSERT_TRUE(sub.waitForText("wss/data over-tls-websocket"));
  rig.stop();
}

// mqtts://:<blocked> then wss://: the gateway falls back at once (no
// backoff between endpoints) and tries the one that worked first after a
// reconnect.
TEST(UplinkWebSocket, FallsBackFromBlockedTlsPortToWssAndRemembersIt) {
  WsBroker b(tlsListener(certs().server_cert, certs().server_key));
  const int blocked = freePort();  // nothing listens: connection refused
  auto cfg = testConfig("", "gw-fallback");
  cfg.endpoints = {"mqtts://127.0.0.1:" + std::to_string(blocked),
                   "wss://127.0.0.1:" + std::to_string(b.ws_port) + "/mqtt"};
  cfg.prefer_retry_s = 0;  // stay on the fallback in this test
  cfg.tls.ca_file = certs().ca;
  LogCapture log;
  UplinkRig rig(cfg);
  rig.start();
  ASSERT_TRUE(rig.waitConnected()) << rig.uplink->stats().last_error;
  EXPECT_EQ(rig.uplink->stats().broker, cfg.endpoints[1]);
  EXPECT_EQ(log.count("trying wss://127.0.0.1:" + std::to_string(b.ws_port) + "/mqtt next", "warn"), 1);
  EXPECT_EQ(log.count("tried first from now on"), 1);
  ASSERT_TRUE(rig.send(1, "fb/data", "x", 1));
  ASSERT_TRUE(waitFor([&] { return rig.listener.delivered().size() == 1; }));
  // Reconnect: straight to the remembered endpoint, the blocked port is not tried again.
  const int refused_before = log.count("127.0.0.1:" + std::to_string(blocked));
  rig.lt.sync([&] { rig.uplink->reconnect(); });
  ASSERT_TRUE(rig.waitConnected(2));
  EXPECT_EQ(log.count("127.0.0.1:" + std::to_string(blocked)), refused_before);
  EXPECT_EQ(rig.uplink->stats().broker, cfg.endpoints[1]);
  rig.stop();
}

// While on the fallback, the preferred endpoint is looked at every
// prefer_retry_s; once it accepts connections the session moves back.
TEST(UplinkWebSocket, MovesBackToThePreferredEndpointWhenItRecovers) {
  WsBroker fallback;
  const int preferred_port = freePort();
  auto cfg = testConfig("", "gw-prefer");
  cfg.endpoints = {"mqtt://127.0.0.1:" + std::to_string(preferred_port),
                   "ws://127.0.0.1:" + std::to_string(fallback.ws_port) + "/mqtt"};
  cfg.prefer_retry_s = 1;
  UplinkRig rig(cfg);
  rig.start();
  ASSERT_TRUE(rig.waitConnected());
  EXPECT_EQ(rig.uplink->stats().broker, cfg.endpoints[1]);
  ASSERT_TRUE(rig.send(1, "p/data", "via-fallback", 1));
  ASSERT_TRUE(waitFor([&] { return rig.listener.delivered().size() == 1; }));

  Mosquitto preferred({}, preferred_port);
  Subscriber sub(preferred_port, "p/#");
  ASSERT_TRUE(rig.waitConnected(2, std::chrono::seconds(15)));
  EXPECT_EQ(rig.uplink->stats().broker, cfg.endpoints[0]);
  EXPECT_EQ(rig.listener.disconnected(), 1);
  ASSERT_TRUE(rig.send(2, "p/data", "via-preferred", 1));
  ASSERT_TRUE(waitFor([&] { return rig.listener.delivered().size() == 2; }));
  ASSERT_TRUE(sub.waitForText("p/data via-preferred"));
  EXPECT_TRUE(rig.listener.failed().empty());
  rig.stop();
}

TEST(UplinkWebSocket, HttpErrorOfTheEndpointIsNamedAndBackedOff) {
  HttpRefuser server("HTTP/1.1 404 Not Found", httpDate(std::chrono::system_clock::now()));
  const std::string url = "ws://127.0.0.1:" + std::to_string(server.port()) + "/wrong";
  LogCapture log;
  UplinkRig rig(testConfig(url, "gw-404"));
  rig.start();
  ASSERT_TRUE(waitFor([&] { return rig.uplink->stats().last_error.find("retrying") != std::string::npos; }));
  const std::string err = rig.uplink->stats().last_error;
  EXPECT_NE(err.find("WebSocket upgrade refused by " + url + ": HTTP/1.1 404 Not Found"), std::string::npos) << err;
  EXPECT_EQ(err.find("clock"), std::string::npos) << err;
  // Backoff: further attempts, the same failure logged once at warning level.
  ASSERT_TRUE(waitFor([&] { return server.requests() >= 4; }));
  EXPECT_EQ(log.count("WebSocket upgrade refused", "warn"), 1);
  EXPECT_EQ(rig.listener.connected(), 0);
  EXPECT_FALSE(rig.send(1, "t", "x", 1)) << "nothing is taken while disconnected (the queue keeps it)";
  rig.stop();
}

}  // namespace
}  // namespace tgw::test

namespace tgw::test {
namespace {

// A refused upgrade must not spoil the next WebSocket connection (Paho C
// keeps WebSocket state in globals).
TEST(UplinkWebSocket, AfterAnHttpErrorTheNextWebSocketEndpointConnects) {
  HttpRefuser refuser("HTTP/1.1 403 Forbidden", httpDate(std::chrono::system_clock::now()));
  WsBroker b;
  auto cfg = testConfig("", "gw-after-403");
  cfg.endpoints = {"ws://127.0.0.1:" + std::to_string(refuser.port()) + "/mqtt",
                   "ws://127.0.0.1:" + std::to_string(b.ws_port) + "/mqtt"};
  cfg.prefer_retry_s = 0;
  UplinkRig rig(cfg);
  rig.start();
  ASSERT_TRUE(rig.waitConnected()) << rig.uplink->stats().last_error;
  ASSERT_TRUE(rig.send(1, "a/b", "c", 1));
  ASSERT_TRUE(waitFor([&] { return rig.listener.delivered().size() == 1; }));
  rig.stop();
}

}  // namespace
}  // namespace tgw::test
