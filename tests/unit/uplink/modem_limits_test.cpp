#include <gtest/gtest.h>

#include "uplink/modem/modem_mqtt_uplink.hpp"
#include "uplink/paho/ws_probe.hpp"

namespace tgw::uplink {
namespace {

TEST(ModemMqtt, ParsesSmsubUrc) {
  std::string topic, payload;
  ASSERT_TRUE(parseSmsub(R"(+SMSUB: "gw/1/command","{"id":1,"action":"x"}")", topic, payload));
  EXPECT_EQ(topic, "gw/1/command");
  EXPECT_EQ(payload, R"({"id":1,"action":"x"})");
  ASSERT_TRUE(parseSmsub(R"(+SMSUB: "t","")", topic, payload));
  EXPECT_EQ(payload, "");
  EXPECT_FALSE(parseSmsub("+SMSUB: t,x", topic, payload));
  EXPECT_FALSE(parseSmsub(R"(+SMSUB: "t")", topic, payload));
  EXPECT_FALSE(parseSmsub(R"(+SMSTATE: 1)", topic, payload));
}

TEST(ModemMqtt, EnforcesTheSim7080Limits) {
  config::ModemUplinkConfig cfg;
  Message m;
  m.topic = std::string(128, 't');
  m.payload = std::string(1024, 'p');
  EXPECT_TRUE(ModemMqttUplink::checkLimits(m, cfg));
  m.topic += "t";
  auto long_topic = ModemMqttUplink::checkLimits(m, cfg);
  ASSERT_FALSE(long_topic);
  EXPECT_NE(long_topic.error().message.find("is 129 bytes; the SIM7080 MQTT client takes at most 128"),
            std::string::npos);
  m.topic = "t";
  m.payload += "p";
  auto big = ModemMqttUplink::checkLimits(m, cfg);
  ASSERT_FALSE(big);
  EXPECT_NE(big.error().message.find("payload for t is 1025 bytes"), std::string::npos);
  EXPECT_NE(big.error().message.find("kept for the IP link"), std::string::npos);
  m.payload = "x";
  m.topic = "a\"b";
  EXPECT_FALSE(ModemMqttUplink::checkLimits(m, cfg));
}

TEST(WsProbe, HttpDate) {
  using namespace std::chrono;
  EXPECT_EQ(parseHttpDate("Sun, 22 Nov 2026 23:10:05 GMT"),
            sys_days(year(2026) / 11 / 22) + hours(23) + minutes(10) + seconds(5));
  EXPECT_FALSE(parseHttpDate("yesterday"));
}

}  // namespace
}  // namespace tgw::uplink
