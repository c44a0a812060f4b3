// candump log lines (`candump -l`, `candump -L`):
//   (1543509533.000838) can0 0CF00400#207D87481400F087
//   (0.000100) vcan0 123#R   123#R4   1F334455##1AABB (CAN FD, flags nibble)   123#11.22.33
// Pure parsing; libFuzzer-friendly entry point below.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "decode/can/can_frame.hpp"
#include "tgw/core/error.hpp"

namespace tgw::sources::can {

struct CandumpRecord {
  double timestamp = 0;  // seconds
  std::string_view interface;
  decode::CanFrame frame;
};

// Parses "<id>#<data>" (the part after the interface).
Expected<decode::CanFrame> parseFrameText(std::string_view text);
// Parses one whole log line. Empty lines and '#' comments are kNotFound errors.
Expected<CandumpRecord> parseCandumpLine(std::string_view line);

// libFuzzer-friendly entry point: every line of `data` through parseCandumpLine.
int fuzzCandump(const std::uint8_t* data, std::size_t size);

}  // namespace tgw::sources::can
