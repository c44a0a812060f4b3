// The slcan adapter's SerialLine opens through serial::openPort: one baud
// table for every serial port of the daemon; an unknown rate is refused (it
// used to fall back to 115200 silently).
#include "sources/slcan/serial_line.hpp"

#include <gtest/gtest.h>

#include "sources/serial/serial_port.hpp"
#include "support/serial_support.hpp"

namespace tgw::sources::can {
namespace {

TEST(SerialLine, OneBaudTableUnknownRatesRefused) {
  for (int b : {1200, 9600, 115200, 500000, 921600, 1000000, 2000000, 3000000, 4000000}) {
    EXPECT_TRUE(serial::supportedBaud(b)) << b;
  }
  for (int b : {0, 300, 123456, 250000, 5000000}) EXPECT_FALSE(serial::supportedBaud(b)) << b;
  test::PtyPair pty;
  SerialLine line;
  auto bad = line.open(pty.slavePath(), 123456);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::kInvalidArgument);
  EXPECT_NE(bad.error().message.find("unsupported baud rate 123456"), std::string::npos) << bad.error().message;
  EXPECT_FALSE(line.isOpen());
  ASSERT_TRUE(line.open(pty.slavePath(), 2000000));
  ASSERT_TRUE(line.write("O\r"));
  EXPECT_EQ(pty.read(std::chrono::milliseconds(500)), "O\r");
  auto missing = line.open("/nonexistent/ttyCAN", 115200);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::kNotFound);
}

}  // namespace
}  // namespace tgw::sources::can
