// AtChannel fed directly with bytes (no port): the fuzz entry point must
// survive anything, and lines while idle go to URC subscribers.
#include <gtest/gtest.h>

#include <random>

#include "sources/modem/at_channel.hpp"

namespace tgw::sources::modem {
namespace {

TEST(AtChannelBytes, IdleUrcsAndNoiseWithoutPort) {
  AtChannel ch(serial::PortSettings{"/nonexistent/tty", 115200, 8, 'N', 1}, {}, "test.at", SystemClock::instance());
  std::vector<std::string> got;
  auto sub = ch.subscribe("+CEREG", [&](const std::string& l) { got.push_back(l); });
  ch.onBytes("\r\n+CEREG: 1\r\n\r\nRDY\r\n+CEREG");
  ch.onBytes(": 5\r\n");
  EXPECT_EQ(got, (std::vector<std::string>{"+CEREG: 1", "+CEREG: 5"}));
  EXPECT_EQ(ch.counters().urcs, 2u);
  EXPECT_EQ(ch.counters().unsolicited_unhandled, 1u);  // RDY: no subscriber
  sub.reset();
  ch.onBytes("+CEREG: 2\r\n");
  EXPECT_EQ(got.size(), 2u);
  std::mt19937 rng(5);
  std::string noise;
  for (int i = 0; i < 100000; ++i) noise.push_back(static_cast<char>(rng() % 256));
  ch.onBytes(noise);
  EXPECT_GT(ch.counters().garbage + ch.counters().overlong, 0u);
}

}  // namespace
}  // namespace tgw::sources::modem
