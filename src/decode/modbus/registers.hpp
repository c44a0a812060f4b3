// Modbus register values -> numbers (pure, no I/O).
//
// Word/byte orders name the value's bytes A (most significant) .. D as they
// appear on the wire: ABCD big-endian (Modbus default), CDAB word-swapped
// ("low word first"), BADC byte-swapped in each word, DCBA little-endian.
// For 64-bit types the same rule is applied to all four words.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "tgw/core/error.hpp"

namespace tgw::decode::modbus {

enum class Table : std::uint8_t { kHolding, kInput, kCoil, kDiscrete };
enum class Type : std::uint8_t { kU16, kS16, kU32, kS32, kU64, kS64, kF32, kF64, kBool, kString, kSunssf };
enum class Order : std::uint8_t { kABCD, kCDAB, kBADC, kDCBA };

std::optional<Table> parseTable(std::string_view s);  // holding, input, coil, discrete
std::optional<Type> parseType(std::string_view s);    // u16 s16 u32 s32 u64 s64 f32 f64 bool string
std::optional<Order> parseOrder(std::string_view s);  // ABCD CDAB BADC DCBA (any case)
std::string_view tableName(Table t);
std::string_view typeName(Type t);
std::string_view orderName(Order o);
[[nodiscard]] inline bool isBitTable(Table t) { return t == Table::kCoil || t == Table::kDiscrete; }

// Registers a value of `type` occupies (strings: `string_regs`).
int registerCount(Type type, int string_regs = 0);

// The numeric value of `regs` (exactly registerCount(type) words, wire order).
// kBool: non-zero. Errors on a wrong register count or a non-finite float.
Expected<double> decodeNumber(std::span<const std::uint16_t> regs, Type type, Order order);
// Two ASCII characters per register, high byte first; trailing NUL/space removed.
std::string decodeString(std::span<const std::uint16_t> regs);

// The registers that hold `value` in `type`/`order` (inverse of decodeNumber;
// used by tests, the benchmark and, later, register writes).
std::vector<std::uint16_t> encodeNumber(double value, Type type, Order order);

}  // namespace tgw::decode::modbus
