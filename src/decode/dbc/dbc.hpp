// DBC files: parsing into plain definitions and pure decoding of frames.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tgw/core/error.hpp"

namespace tgw::decode::dbc {

enum class ByteOrder : std::uint8_t { kIntel, kMotorola };
enum class ValueType : std::uint8_t { kInteger, kFloat32, kFloat64 };
enum class MuxRole : std::uint8_t { kNone, kMultiplexor, kMultiplexed };

struct SignalDef {
  std::string name;
  unsigned start = 0;  // DBC start bit (Intel: LSB, Motorola: MSB in sawtooth numbering)
  unsigned length = 0;
  ByteOrder order = ByteOrder::kIntel;
  bool is_signed = false;
  ValueType type = ValueType::kInteger;
  double factor = 1.0;
  double offset = 0.0;
  double min = 0.0;
  double max = 0.0;  // min == max == 0: no range
  std::string unit;
  MuxRole mux = MuxRole::kNone;
  std::uint32_t mux_value = 0;  // for kMultiplexed
  std::vector<std::pair<std::int64_t, std::string>> values;  // VAL_ table
  std::uint32_t spn = 0;  // BA_ "SPN", 0 = none
  int line = 0;
  unsigned end_byte = 0;  // bytes the frame must have for this signal
  // Within the first 8 bytes: raw = (word >> shift64) & mask, word being the
  // first 8 bytes read little-endian (Intel) or big-endian (Motorola).
  bool fits64 = false;
  unsigned shift64 = 0;
  std::uint64_t mask = 0;

  [[nodiscard]] bool hasRange() const { return !(min == 0.0 && max == 0.0) && max >= min; }
  [[nodiscard]] const std::string* label(std::int64_t raw) const;
};

struct MessageDef {
  std::uint32_t id = 0;  // without the extended flag
  bool extended = false;
  std::string name;
  unsigned size = 0;  // bytes
  bool fd = false;    // VFrameFormat StandardCAN_FD / ExtendedCAN_FD, or size > 8
  std::string transmitter;
  std::vector<SignalDef> signals;
  int multiplexor = -1;  // index into signals, -1 = none
  int line = 0;
};

struct ParseIssue {
  int line = 0;
  std::string message;
};

struct Database {
  std::vector<MessageDef> messages;
  // (extended << 31 | id) -> index into messages
  std::unordered_map<std::uint32_t, std::size_t> by_id;

  [[nodiscard]] const MessageDef* find(std::uint32_t id, bool extended) const;
  [[nodiscard]] std::size_t signalCount() const;
};

struct ParseResult {
  Database db;
  std::vector<ParseIssue> issues;  // malformed / unsupported lines, each with its line number
};

// Pure parser: never fails, never throws; bad lines become issues and are skipped.
ParseResult parseDbc(std::string_view text);
// Reads and parses a file. Fails only if the file cannot be read or holds no message.
Expected<ParseResult> loadDbcFile(const std::string& path);
// "file:line: message" for the first `max` issues.
std::string formatIssues(const std::string& file, const std::vector<ParseIssue>& issues, std::size_t max = 5);

// ---- pure decoding ----
enum class DecodeStatus : std::uint8_t { kOk, kDlcMismatch, kFdOnClassic, kRemote };

struct DecodedValue {
  std::size_t signal = 0;  // index into MessageDef::signals
  double value = 0.0;      // physical value (raw * factor + offset)
  std::uint64_t raw = 0;   // raw bits (for J1939 "not available" checks)
  bool in_range = true;    // inside [min|max] when the DBC gives one
};

// Decode every signal of `msg` present in `data` (multiplexed ones only when
// the multiplexor selects them). `strict_length`: data size must equal msg.size;
// otherwise it must only be long enough for each signal.
DecodeStatus decodeMessage(const MessageDef& msg, std::span<const std::uint8_t> data, bool strict_length,
                           std::vector<DecodedValue>& out);

// libFuzzer-friendly entry point: parse arbitrary bytes as a DBC and decode a
// frame against every message. Returns 0.
int fuzzDbc(const std::uint8_t* data, std::size_t size);

}  // namespace tgw::decode::dbc
