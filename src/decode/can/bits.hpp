// Bit extraction as DBC defines it, for frames of up to 64 bytes.
#pragma once

#include <cstdint>
#include <cstring>

namespace tgw::decode {

// Intel (little-endian): `start` is the LSB, bits counted LSB-first per byte.
// `buf` must hold at least start/8 + 9 readable bytes (callers pad).
inline std::uint64_t extractIntel(const std::uint8_t* buf, unsigned start, unsigned len) noexcept {
  const unsigned first = start / 8;
  unsigned __int128 x = 0;
  for (int i = 8; i >= 0; --i) x = (x << 8) | buf[first + static_cast<unsigned>(i)];
  x >>= (start % 8);
  const std::uint64_t mask = len >= 64 ? ~std::uint64_t{0} : ((std::uint64_t{1} << len) - 1);
  return static_cast<std::uint64_t>(x) & mask;
}

// Motorola (big-endian): `start` is the MSB in DBC "sawtooth" numbering.
inline std::uint64_t extractMotorola(const std::uint8_t* buf, unsigned start, unsigned len) noexcept {
  const unsigned msb = (start / 8) * 8 + (7 - start % 8);  // linear big-endian bit index
  const unsigned first = msb / 8;
  unsigned __int128 x = 0;
  for (unsigned i = 0; i < 9; ++i) x = (x << 8) | buf[first + i];
  const unsigned shift = 72 - (msb % 8) - len;
  const std::uint64_t mask = len >= 64 ? ~std::uint64_t{0} : ((std::uint64_t{1} << len) - 1);
  return static_cast<std::uint64_t>(x >> shift) & mask;
}

// Last byte index (exclusive end) a signal touches, to check the frame is long enough.
inline unsigned intelEndByte(unsigned start, unsigned len) noexcept { return (start + len - 1) / 8 + 1; }
inline unsigned motorolaEndByte(unsigned start, unsigned len) noexcept {
  const unsigned msb = (start / 8) * 8 + (7 - start % 8);
  return (msb + len - 1) / 8 + 1;
}

inline std::int64_t signExtend(std::uint64_t raw, unsigned len) noexcept {
  if (len >= 64) return static_cast<std::int64_t>(raw);
  const std::uint64_t sign = std::uint64_t{1} << (len - 1);
  return static_cast<std::int64_t>((raw ^ sign) - sign);
}

}  // namespace tgw::decode
