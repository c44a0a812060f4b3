// Pure decoding of one frame against one DBC message.
#include <array>
#include <bit>
#include <cmath>
#include <cstring>

#include "decode/can/bits.hpp"
#include "decode/can/can_frame.hpp"
#include "decode/dbc/dbc.hpp"

namespace tgw::decode::dbc {
namespace {

inline std::uint64_t rawOf(const SignalDef& s, const std::uint8_t* buf) {
  return s.order == ByteOrder::kIntel ? extractIntel(buf, s.start, s.length) : extractMotorola(buf, s.start, s.length);
}

inline double physical(const SignalDef& s, std::uint64_t raw) {
  double v = 0;
  switch (s.type) {
    case ValueType::kFloat32: v = std::bit_cast<float>(static_cast<std::uint32_t>(raw)); break;
    case ValueType::kFloat64: v = std::bit_cast<double>(raw); break;
    case ValueType::kInteger:
      v = s.is_signed ? static_cast<double>(signExtend(raw, s.length)) : static_cast<double>(raw);
      break;
  }
  return v * s.factor + s.offset;
}

inline bool inRange(const SignalDef& s, double v) {
  if (!std::isfinite(v)) return false;
  if (!s.hasRange()) return true;
  // Half a raw step of slack: DBCs round their limits (e.g. 250.996 for 0xFAFF / 256).
  const double eps = 0.5 * std::fabs(s.factor) + 1e-9 * std::max({1.0, std::fabs(s.min), std::fabs(s.max)});
  return v >= s.min - eps && v <= s.max + eps;
}

}  // namespace

DecodeStatus decodeMessage(const MessageDef& msg, std::span<const std::uint8_t> data, bool strict_length,
                           std::vector<DecodedValue>& out) {
  if (strict_length && data.size() != msg.size) return DecodeStatus::kDlcMismatch;
  if (data.size() <= 8) {  // classic frames: two 64-bit words, one shift and mask per signal
    std::uint64_t le = 0;
    std::memcpy(&le, data.data(), data.size());
    if constexpr (std::endian::native == std::endian::big) le = __builtin_bswap64(le);
    const std::uint64_t be = __builtin_bswap64(le);
    auto raw64 = [&](const SignalDef& s) { return ((s.order == ByteOrder::kIntel ? le : be) >> s.shift64) & s.mask; };
    std::int64_t mux64 = -1;
    if (msg.multiplexor >= 0) {
      const SignalDef& ms = msg.signals[static_cast<std::size_t>(msg.multiplexor)];
      if (ms.end_byte > data.size()) return DecodeStatus::kDlcMismatch;
      mux64 = static_cast<std::int64_t>(raw64(ms));
    }
    for (std::size_t i = 0; i < msg.signals.size(); ++i) {
      const SignalDef& s = msg.signals[i];
      if (s.end_byte > data.size() || !s.fits64) continue;
      if (s.mux == MuxRole::kMultiplexed && static_cast<std::int64_t>(s.mux_value) != mux64) continue;
      const std::uint64_t raw = raw64(s);
      const double v = physical(s, raw);
      out.push_back(DecodedValue{i, v, raw, inRange(s, v)});
    }
    return DecodeStatus::kOk;
  }
  // Zero padding past the data lets extract* read 9 bytes anywhere.
  std::array<std::uint8_t, decode::kMaxCanData + 16> buf{};
  std::memcpy(buf.data(), data.data(), std::min(data.size(), decode::kMaxCanData));
  std::int64_t mux = -1;
  if (msg.multiplexor >= 0) {
    const SignalDef& ms = msg.signals[static_cast<std::size_t>(msg.multiplexor)];
    if (ms.end_byte > data.size()) return DecodeStatus::kDlcMismatch;
    mux = static_cast<std::int64_t>(rawOf(ms, buf.data()));
  }
  for (std::size_t i = 0; i < msg.signals.size(); ++i) {
    const SignalDef& s = msg.signals[i];
    if (s.end_byte > data.size()) continue;
    if (s.mux == MuxRole::kMultiplexed && static_cast<std::int64_t>(s.mux_value) != mux) continue;
    const std::uint64_t raw = rawOf(s, buf.data());
    const double v = physical(s, raw);
    out.push_back(DecodedValue{i, v, raw, inRange(s, v)});
  }
  return DecodeStatus::kOk;
}

int fuzzDbc(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  ParseResult r = parseDbc(text);
  std::vector<DecodedValue> out;
  std::array<std::uint8_t, 64> frame{};
  std::memcpy(frame.data(), data, std::min<std::size_t>(size, frame.size()));
  for (const auto& m : r.db.messages) {
    out.clear();
    (void)decodeMessage(m, std::span<const std::uint8_t>(frame.data(), m.size), true, out);
    (void)decodeMessage(m, std::span<const std::uint8_t>(frame.data(), std::min<std::size_t>(size, 64)), false, out);
  }
  return 0;
}

}  // namespace tgw::decode::dbc
