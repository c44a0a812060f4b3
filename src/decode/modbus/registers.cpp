#include "decode/modbus/registers.hpp"

#include <algorithm>
#include <bit>
#include <cctype>
#include <cmath>
#include <vector>

#include <fmt/format.h>

namespace tgw::decode::modbus {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool swapsBytes(Order o) { return o == Order::kBADC || o == Order::kDCBA; }
bool swapsWords(Order o) { return o == Order::kCDAB || o == Order::kDCBA; }

// Wire registers -> big-endian integer of the value's bytes.
std::uint64_t assemble(std::span<const std::uint16_t> regs, Order order) {
  std::uint64_t v = 0;
  const std::size_t n = regs.size();
  for (std::size_t i = 0; i < n; ++i) {
    std::uint16_t w = regs[swapsWords(order) ? n - 1 - i : i];
    if (swapsBytes(order)) w = static_cast<std::uint16_t>((w >> 8) | (w << 8));
    v = (v << 16) | w;
  }
  return v;
}

}  // namespace

std::optional<Table> parseTable(std::string_view s) {
  const std::string l = lower(s);
  if (l == "holding") return Table::kHolding;
  if (l == "input") return Table::kInput;
  if (l == "coil") return Table::kCoil;
  if (l == "discrete") return Table::kDiscrete;
  return std::nullopt;
}

std::optional<Type> parseType(std::string_view s) {
  const std::string l = lower(s);
  if (l == "u16" || l == "uint16") return Type::kU16;
  if (l == "s16" || l == "int16") return Type::kS16;
  if (l == "u32" || l == "uint32") return Type::kU32;
  if (l == "s32" || l == "int32") return Type::kS32;
  if (l == "u64" || l == "uint64") return Type::kU64;
  if (l == "s64" || l == "int64") return Type::kS64;
  if (l == "f32" || l == "float32" || l == "float") return Type::kF32;
  if (l == "f64" || l == "float64" || l == "double") return Type::kF64;
  if (l == "bool") return Type::kBool;
  if (l == "string") return Type::kString;
  return std::nullopt;
}

std::optional<Order> parseOrder(std::string_view s) {
  const std::string l = lower(s);
  if (l == "abcd") return Order::kABCD;
  if (l == "cdab") return Order::kCDAB;
  if (l == "badc") return Order::kBADC;
  if (l == "dcba") return Order::kDCBA;
  return std::nullopt;
}

std::string_view tableName(Table t) {
  switch (t) {
    case Table::kHolding: return "holding";
    case Table::kInput: return "input";
    case Table::kCoil: return "coil";
    case Table::kDiscrete: return "discrete";
  }
  return "?";
}

std::string_view typeName(Type t) {
  switch (t) {
    case Type::kU16: return "u16";
    case Type::kS16: return "s16";
    case Type::kU32: return "u32";
    case Type::kS32: return "s32";
    case Type::kU64: return "u64";
    case Type::kS64: return "s64";
    case Type::kF32: return "f32";
    case Type::kF64: return "f64";
    case Type::kBool: return "bool";
    case Type::kString: return "string";
    case Type::kSunssf: return "sunssf";
  }
  return "?";
}

std::string_view orderName(Order o) {
  switch (o) {
    case Order::kABCD: return "ABCD";
    case Order::kCDAB: return "CDAB";
    case Order::kBADC: return "BADC";
    case Order::kDCBA: return "DCBA";
  }
  return "?";
}

int registerCount(Type type, int string_regs) {
  switch (type) {
    case Type::kU16:
    case Type::kS16:
    case Type::kBool:
    case Type::kSunssf: return 1;
    case Type::kU32:
    case Type::kS32:
    case Type::kF32: return 2;
    case Type::kU64:
    case Type::kS64:
    case Type::kF64: return 4;
    case Type::kString: return string_regs;
  }
  return 1;
}

Expected<double> decodeNumber(std::span<const std::uint16_t> regs, Type type, Order order) {
  const int want = registerCount(type);
  if (type == Type::kString || static_cast<int>(regs.size()) != want) {
    return makeError(Errc::kParse, fmt::format("modbus: {} needs {} registers, got {}", typeName(type), want,
                                               regs.size()));
  }
  const std::uint64_t raw = assemble(regs, order);
  double v = 0;
  switch (type) {
    case Type::kU16:
    case Type::kU32:
    case Type::kU64: v = static_cast<double>(raw); break;
    case Type::kS16:
    case Type::kSunssf: v = static_cast<std::int16_t>(raw); break;
    case Type::kS32: v = static_cast<std::int32_t>(raw); break;
    case Type::kS64: v = static_cast<double>(static_cast<std::int64_t>(raw)); break;
    case Type::kF32: v = std::bit_cast<float>(static_cast<std::uint32_t>(raw)); break;
    case Type::kF64: v = std::bit_cast<double>(raw); break;
    case Type::kBool: v = raw != 0 ? 1.0 : 0.0; break;
    case Type::kString: break;
  }
  if (!std::isfinite(v)) return makeError(Errc::kParse, "modbus: register value is not a finite number (NaN/Inf)");
  return v;
}

std::string decodeString(std::span<const std::uint16_t> regs) {
  std::string s;
  for (std::uint16_t r : regs) {
    s.push_back(static_cast<char>(r >> 8));
    s.push_back(static_cast<char>(r & 0xff));
  }
  while (!s.empty() && (s.back() == '\0' || s.back() == ' ')) s.pop_back();
  const auto nul = s.find('\0');
  if (nul != std::string::npos) s.resize(nul);
  for (auto& c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '?';
  }
  return s;
}

std::vector<std::uint16_t> encodeNumber(double value, Type type, Order order) {
  const int n = registerCount(type);
  std::uint64_t raw = 0;
  switch (type) {
    case Type::kF32: raw = std::bit_cast<std::uint32_t>(static_cast<float>(value)); break;
    case Type::kF64: raw = std::bit_cast<std::uint64_t>(value); break;
    case Type::kS16:
    case Type::kS32:
    case Type::kS64:
    case Type::kSunssf: raw = static_cast<std::uint64_t>(static_cast<std::int64_t>(value)); break;
    default: raw = static_cast<std::uint64_t>(value); break;
  }
  std::vector<std::uint16_t> be(static_cast<std::size_t>(n));
  for (int i = n - 1; i >= 0; --i) {
    be[static_cast<std::size_t>(i)] = static_cast<std::uint16_t>(raw & 0xffff);
    raw >>= 16;
  }
  std::vector<std::uint16_t> wire(be.size());
  for (std::size_t i = 0; i < be.size(); ++i) {
    std::uint16_t w = be[swapsWords(order) ? be.size() - 1 - i : i];
    if (swapsBytes(order)) w = static_cast<std::uint16_t>((w >> 8) | (w << 8));
    wire[i] = w;
  }
  return wire;
}

}  // namespace tgw::decode::modbus
