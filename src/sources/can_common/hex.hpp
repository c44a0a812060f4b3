// Hex digits of the text CAN formats (candump logs, slcan lines).
#pragma once

namespace tgw::sources::can {

// 0..15, or -1 if `c` is not a hex digit.
constexpr int hexNibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace tgw::sources::can
