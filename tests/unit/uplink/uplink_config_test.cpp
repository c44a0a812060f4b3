// The issue-11 keys of the uplink: section (endpoints, aws, tls.alpn, modem).
#include <gtest/gtest.h>

#include "support/support.hpp"
#include "tgw/config/loader.hpp"

namespace tgw::config {
namespace {

constexpr const char* kBase = R"(gateway:
  device_id: gw-1
  state_dir: /tmp/x
sources:
  - name: sim
    type: simulator
    vehicle: {rate_hz: 5}
profiles:
  dtg:
    signals:
      vehicle_speed: sim.vehicle.speed
)";

Expected<Config> load(const std::string& uplink, Diagnostics& diag) {
  return loadString(std::string(kBase) + uplink, "gateway.yaml", diag);
}

TEST(UplinkConfig, EndpointsAwsAlpnAndModem) {
  test::TempDir dir;
  const std::string pass = dir.write("modem.pass", "secret\n");
  Diagnostics diag;
  auto cfg = load(R"(uplink:
  endpoints: [mqtts://a.example:8883, wss://a.example:443/mqtt]
  prefer_retry_s: 120
  tls:
    alpn: [x-amzn-mqtt-ca]
  aws:
    region: eu-west-1
    credentials_file: /run/creds.json
    session_token: ${AWS_SESSION_TOKEN}
    expires_s: 600
  modem:
    device: /dev/ttyUSB2
    url: broker.example:1883
    username: gw
    password_file: )" + pass + R"(
    failover_after_s: 90
)", diag);
  ASSERT_TRUE(cfg) << diag.format();
  const auto& u = cfg->uplink;
  EXPECT_EQ(u.url, "mqtts://a.example:8883");
  ASSERT_EQ(u.endpoints.size(), 2U);
  EXPECT_EQ(u.prefer_retry_s, 120);
  EXPECT_FALSE(u.tls.enabled) << "TLS comes from each endpoint's scheme";
  EXPECT_EQ(u.tls.alpn, std::vector<std::string>{"x-amzn-mqtt-ca"});
  EXPECT_TRUE(u.aws.enabled);
  EXPECT_EQ(u.aws.region, "eu-west-1");
  EXPECT_EQ(u.aws.service, "iotdevicegateway");
  EXPECT_EQ(u.aws.session_token.env, "AWS_SESSION_TOKEN");
  EXPECT_EQ(u.aws.expires_s, 600);
  EXPECT_TRUE(u.modem.enabled);
  EXPECT_EQ(u.modem.device, "/dev/ttyUSB2");
  EXPECT_EQ(u.modem.password.file, pass);
  EXPECT_EQ(u.modem.failover_after_s, 90);
  EXPECT_EQ(u.modem.max_payload, 1024);
}

TEST(UplinkConfig, BadIssue11Keys) {
  Diagnostics diag;
  EXPECT_FALSE(load(R"(uplink:
  endpoints: [mqtts://a:8883, http://a/]
  aws:
    sigv4: true
  modem:
    url: mqtt://b:1883
)", diag));
  const std::string text = diag.format();
  EXPECT_NE(text.find("uplink.endpoints[1]"), std::string::npos) << text;
  EXPECT_NE(text.find("uplink.aws.region"), std::string::npos) << text;
  EXPECT_NE(text.find("uplink.aws.credentials_file"), std::string::npos) << text;
  EXPECT_NE(text.find("SigV4 signs wss:// URLs"), std::string::npos) << text;
  EXPECT_NE(text.find("uplink.modem.device"), std::string::npos) << text;
  EXPECT_NE(text.find("the SIM7080 takes host:port without a scheme"), std::string::npos) << text;
}

}  // namespace
}  // namespace tgw::config
