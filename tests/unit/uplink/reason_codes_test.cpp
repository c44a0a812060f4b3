#include "uplink/paho/reason_codes.hpp"

#include <gtest/gtest.h>

namespace tgw::uplink {
namespace {

TEST(ReasonCodes, Mqtt311ConnackCodes) {
  EXPECT_EQ(describeConnectFailure({4, 0, "", false}), "broker refused: bad user name or password (CONNACK code 4)");
  EXPECT_EQ(describeConnectFailure({5, 0, "", false}), "broker refused: not authorized (CONNACK code 5)");
  EXPECT_EQ(describeConnectFailure({3, 0, "", false}), "broker refused: server unavailable (CONNACK code 3)");
  EXPECT_EQ(describeConnectFailure({2, 0, "", false}), "broker refused: client identifier rejected (CONNACK code 2)");
  EXPECT_TRUE(isBrokerRefusal({5, 0, "", false}));
  EXPECT_FALSE(isBrokerRefusal({-1, 0, "", false}));
}

TEST(ReasonCodes, Mqtt5ReasonCodes) {
  EXPECT_EQ(describeConnectFailure({-1, 0x86, "", true}), "broker refused: bad user name or password (reason 0x86)");
  EXPECT_EQ(describeConnectFailure({-1, 0x87, "", true}), "broker refused: not authorized (reason 0x87)");
  EXPECT_EQ(describeConnectFailure({-1, 0x8A, "", true}), "broker refused: banned (reason 0x8A)");
  EXPECT_EQ(describeConnectFailure({-1, 0x9F, "", true}), "broker refused: connection rate exceeded (reason 0x9F)");
  EXPECT_EQ(describeConnectFailure({-1, 0xA0, "", true}), "broker refused: unknown reason (reason 0xA0)");
  EXPECT_TRUE(isBrokerRefusal({-1, 0x86, "", true}));
}

TEST(ReasonCodes, TransportFailures) {
  EXPECT_EQ(describeConnectFailure({-1, 0, "TCP/TLS connect failure", false}),
            "could not connect (TCP/TLS connect failed, or the broker closed the connection): TCP/TLS connect failure");
  EXPECT_EQ(describeConnectFailure({-42, 0, "", true}), "connect failed (Paho rc -42)");
  EXPECT_FALSE(isBrokerRefusal({-1, 0, "", true}));
}

}  // namespace
}  // namespace tgw::uplink
