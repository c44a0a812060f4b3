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
                          "mqtt://[::1", "ws://h:80/mqtt", "wss://h/mqtt"}) {
    EXPECT_FALSE(parseBrokerUrl(bad, false).has_value()) << bad;
  }
  EXPECT_EQ(parseBrokerUrl("wss://h/mqtt", false).error().code, Errc::kUnsupported);
}

}  // namespace
}  // namespace tgw::uplink
