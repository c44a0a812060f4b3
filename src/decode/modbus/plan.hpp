// Register maps, read planning (contiguous registers in one request) and
// field decoding from the registers a poll returned. Pure, no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "decode/modbus/registers.hpp"
#include "tgw/core/error.hpp"
#include "tgw/model/signal.hpp"

namespace tgw::decode::modbus {

struct Field {
  std::string name;  // signal suffix: "<source>.<device>.<name>"
  Table table = Table::kHolding;
  std::uint16_t address = 0;
  Type type = Type::kU16;
  Order order = Order::kABCD;
  double scale = 1.0;  // value = raw * scale + offset
  double offset = 0.0;
  std::string unit;
  int string_regs = 0;                      // kString only
  std::optional<std::uint16_t> sf_address;  // SunSpec: value *= 10^(int16 at this address)
  bool sunspec = false;                     // SunSpec "not implemented" sentinels are no reading
};

struct ReadBlock {
  Table table = Table::kHolding;
  std::uint16_t start = 0;
  std::uint16_t count = 0;
  bool operator==(const ReadBlock&) const = default;
};

// One request per run of registers (and scale-factor registers) of the same
// table whose holes are at most `max_gap` registers, at most 125 registers
// (2000 bits) per request.
std::vector<ReadBlock> planReads(std::span<const Field> fields, int max_gap = 0);

// Registers (and bits, as 0/1) returned by one poll, by table and address.
class RegisterImage {
 public:
  void clear() { words_.clear(); }
  void put(Table t, std::uint16_t start, std::span<const std::uint16_t> values);
  // All `count` registers from `start`, or false if any is missing.
  bool get(Table t, std::uint16_t start, int count, std::vector<std::uint16_t>& out) const;

 private:
  static std::uint32_t key(Table t, std::uint16_t a) { return (static_cast<std::uint32_t>(t) << 16) | a; }
  std::unordered_map<std::uint32_t, std::uint16_t> words_;
};

// The field's value from the image. Errors: registers missing from the
// image, NaN/Inf, SunSpec "not implemented" (kUnsupported).
Expected<SignalValue> decodeField(const Field& field, const RegisterImage& image);

}  // namespace tgw::decode::modbus
