// libFuzzer target: Modbus register decoding. The input is a register image
// (big-endian words); the first bytes choose type, order, string length and
// scale-factor placement, then every decoder runs over it, and SunSpec
// discovery walks the image as if it were the device's holding registers.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "decode/modbus/plan.hpp"
#include "decode/modbus/registers.hpp"
#include "decode/modbus/sunspec.hpp"

namespace mb = tgw::decode::modbus;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 4) return 0;
  const auto type = static_cast<mb::Type>(data[0] % 11);
  const auto order = static_cast<mb::Order>(data[1] % 4);
  const int string_regs = data[2] % 40;
  const std::uint8_t flags = data[3];
  std::vector<std::uint16_t> regs;
  for (std::size_t i = 4; i + 1 < size; i += 2) regs.push_back(static_cast<std::uint16_t>((data[i] << 8) | data[i + 1]));

  const int n = mb::registerCount(type, string_regs);
  if (n >= 0 && static_cast<std::size_t>(n) <= regs.size()) {
    (void)mb::decodeNumber(std::span(regs).first(static_cast<std::size_t>(n)), type, order);
  }
  (void)mb::decodeNumber(regs, type, order);  // wrong counts must be errors, not reads past the end
  (void)mb::decodeString(regs);

  // decodeField over an image at address 0 (optionally with a scale factor).
  mb::RegisterImage image;
  image.put(mb::Table::kHolding, 0, regs);
  mb::Field f;
  f.type = type;
  f.order = order;
  f.string_regs = string_regs;
  f.address = static_cast<std::uint16_t>(flags % 8);
  f.sunspec = (flags & 0x10) != 0;
  if ((flags & 0x20) != 0) f.sf_address = static_cast<std::uint16_t>((flags >> 6) % 4);
  (void)mb::decodeField(f, image);
  std::vector<mb::Field> fields{f};
  (void)mb::planReads(fields, flags % 4);

  // SunSpec discovery over the image at base 40000.
  auto read = [&](std::uint16_t address, std::uint16_t count) -> tgw::Expected<std::vector<std::uint16_t>> {
    std::vector<std::uint16_t> out;
    const std::size_t at = address >= 40000 ? address - 40000u : address;
    for (std::size_t i = 0; i < count; ++i) out.push_back(at + i < regs.size() ? regs[at + i] : 0xFFFF);
    return out;
  };
  if (auto d = mb::sunspec::discover(read, 16)) {
    auto blocks = mb::planReads(d->fields, 4);
    for (const auto& fld : d->fields) (void)mb::decodeField(fld, image);
    (void)blocks;
  }
  return 0;
}
