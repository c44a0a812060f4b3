// Bit extraction as DBC defines it, for frames of up to 64 bytes.
#pragma once

#include <cstdint>
#include <cstring>

namespace tgw::decode {

// Intel (little-endian): `start` is the LSB, bits counted LSB-first per byte.
// `buf` must hold at least start/8 + 9 readable bytes (callers pad).
inline std::uint64_t extractIntel(const std::uint8_t* buf, unsigned start, unsigned len) noexcept {
  // 72 bits = byte first+8 (hi) : bytes first+7..first (lo); no __int128
  // (32-bit targets such as armhf do not have it).
  const unsigned first = start / 8;
  std::uint64_t lo = 0;
  for (int i = 7; i >= 0; --i) lo = (lo << 8) | buf[first + static_cast<unsigned>(i)];
  const std::uint64_t hi = buf[first + 8];
  const unsigned s = start % 8;
  const std::uint64_t x = s == 0 ? lo : (lo >> s) | (hi << (64 - s));
  const std::uint64_t mask = len >= 64 ? ~std::uint64_t{0} : ((std::uint64_t{1} << len) - 1);
  return x & mask;
}

// Motorola (big-endian): `start` is the MSB in DBC "sawtooth" numbering.
inline std::uint64_t extractMotorola(const std::uint8_t* buf, unsigned start, unsigned len) noexcept {
  const unsigned msb = (start / 8) * 8 + (7 - start % 8);  // linear big-endian bit index
  // 72 bits = byte first (hi) : bytes first+1..first+8 (lo); no __int128.
  const unsigned first = msb / 8;
  const std::uint64_t hi = buf[first];
  std::uint64_t lo = 0;
  for (unsigned i = 1; i < 9; ++i) lo = (lo << 8) | buf[first + i];
  const unsigned shift = 72 - (msb % 8) - len;  // 1 ... 71
  const std::uint64_t x = shift >= 64 ? hi >> (shift - 64) : (lo >> shift) | (hi << (64 - shift));
  const std::uint64_t mask = len >= 64 ? ~std::uint64_t{0} : ((std::uint64_t{1} << len) - 1);
  return x & mask;
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
