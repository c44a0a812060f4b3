// Lawicel / slcan ASCII protocol: incremental parsing of what an adapter sends
// (frames t/T/r/R with optional 4-digit millisecond timestamps, '\r' acks,
// '\a' (BEL) error replies, z/Z transmit acks) and formatting of commands.
// Pure; frames may arrive split across reads; noise and overlong lines are
// reported, never fatal.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "decode/can/can_frame.hpp"

namespace tgw::sources::can {

struct SlcanEvent {
  enum class Kind { kFrame, kAck, kError, kInfo, kBadLine, kOverlong };
  Kind kind = Kind::kFrame;
  decode::CanFrame frame;                 // kFrame
  std::optional<std::uint16_t> timestamp;  // kFrame with timestamps on (ms, 0..59999)
  std::string text;                        // kBadLine / kInfo: the line (printable part)
};

class SlcanParser {
 public:
  static constexpr std::size_t kMaxLine = 64;  // longest valid line is 30 characters
  void feed(std::span<const std::uint8_t> bytes, std::vector<SlcanEvent>& out);
  void reset() {
    line_.clear();
    overlong_ = false;
  }

 private:
  void finishLine(std::vector<SlcanEvent>& out);
  std::string line_;
  bool overlong_ = false;
};

// Parses one line without its terminator ("t4563112233"); nullopt if malformed.
std::optional<SlcanEvent> parseSlcanLine(std::string_view line);
// "t7DF802010C5555555555\r"
std::string formatSlcanFrame(const decode::CanFrame& frame);
// "S6\r" for 500000; nullopt if the bit rate has no code.
std::optional<std::string> bitrateCommand(int bitrate);

// libFuzzer-friendly entry point.
int fuzzSlcan(const std::uint8_t* data, std::size_t size);

}  // namespace tgw::sources::can
