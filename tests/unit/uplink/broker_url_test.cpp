#include "uplink/paho/broker_url.hpp"

#include <gtest/gtest.h>

namespace tgw::uplink {
namespace {

TEST(BrokerUrl, SchemesPortsAndPahoUri) {
  struct Case {
    const char* url;
    bool force_tls;
    const char* paho;
    const char* display;
  };
  const Case cases[] = {
      {"mqtt://broker.local", false, "tcp://broker.local:1883", "mqtt://broker.local:1883"},
      {"tcp://10.0.0.1:1884", false, "tcp://10.0.0.1:1884", "mqtt://10.0.0.1:1884"},
      {"mqtts://broker.local", false, "ssl://broker.local:8883", "mqtts://broker.local:8883"},
      {"ssl://h:9000", false, "ssl://h:9000", "mqtts://h:9000"},
      {"mqtt://h:8883", true, "ssl://h:8883", "mqtts://h:8883"},
      {"mqtt://[::1]:1883", false, "tcp://[::1]:1883", "mqtt://[::1]:1883"},
      {"mqtts://h:8883/ignored/path", false, "ssl://h:8883", "mqtts://h:8883"},
  };
  for (const auto& c : cases) {
    auto u = parseBrokerUrl(c.url, c.force_tls);
    ASSERT_TRUE(u.has_value()) << c.url << ": " << u.error().message;
    EXPECT_EQ(u->pahoUri(), c.paho) << c.url;
    EXPECT_EQ(u->display(), c.display) << c.url;
  }
}

TEST(BrokerUrl, HostIsIp) {
  EXPECT_TRUE(parseBrokerUrl("mqtt://127.0.0.1", false)->hostIsIp());
  EXPECT_TRUE(parseBrokerUrl("mqtt://[::1]:1", false)->hostIsIp());
  EXPECT_FALSE(parseBrokerUrl("mqtt://localhost", false)->hostIsIp());
}

TEST(BrokerUrl, RejectsBadInput) {
  for (const char* bad : {"broker:1883", "http://h", "mqtt://", "mqtt://h:0", "mqtt://h:70000", "mqtt://h:x",
                          "mqtt://[::1", "ws://h:0/mqtt", "wss://h/a b"}) {
    EXPECT_FALSE(parseBrokerUrl(bad, false).has_value()) << bad;
  }
}

TEST(BrokerUrl, WebSocketWithPath) {
  auto ws = parseBrokerUrl("ws://h:8080/mqtt", false);
  ASSERT_TRUE(ws);
  EXPECT_TRUE(ws->websocket);
  EXPECT_FALSE(ws->tls);
  EXPECT_EQ(ws->port, 8080);
  EXPECT_EQ(ws->path, "/mqtt");
  EXPECT_EQ(ws->pahoUri(), "ws://h:8080/mqtt");
  auto wss = parseBrokerUrl("wss://h", false);
  ASSERT_TRUE(wss);
  EXPECT_TRUE(wss->tls);
  EXPECT_EQ(wss->port, 443);
  EXPECT_EQ(wss->path, "/mqtt");
  EXPECT_EQ(wss->pahoUri(), "wss://h:443/mqtt");
  auto q = parseBrokerUrl("wss://h:8884/ws/x?a=1", false);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->path, "/ws/x?a=1");
  EXPECT_EQ(q->pahoUri(), "wss://h:8884/ws/x?a=1");
  EXPECT_EQ(q->display(), "wss://h:8884/ws/x");  // no query (signatures) in logs
  EXPECT_EQ(parseBrokerUrl("ws://h", false)->port, 80);
}

}  // namespace
}  // namespace tgw::uplink
