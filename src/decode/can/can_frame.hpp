// A CAN / CAN FD frame as every CAN source hands it to the decoders, and the
// plain decoder contract: decoders are pure (no I/O, time passed in).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tgw/core/clock.hpp"
#include "tgw/model/signal.hpp"

namespace tgw::decode {

inline constexpr std::size_t kMaxCanData = 64;
inline constexpr std::uint32_t kStdIdMask = 0x7FF;
inline constexpr std::uint32_t kExtIdMask = 0x1FFFFFFF;

struct CanFrame {
  std::uint32_t id = 0;    // 11- or 29-bit identifier, no flag bits
  std::uint8_t len = 0;    // data bytes (0..8 classic, 0..64 FD); DLC for remote frames
  bool extended = false;   // 29-bit id
  bool remote = false;     // RTR (classic only)
  bool fd = false;         // CAN FD frame
  bool error = false;      // error frame (SocketCAN CAN_ERR_FLAG)
  std::array<std::uint8_t, kMaxCanData> data{};

  [[nodiscard]] std::string_view bytes() const {
    return {reinterpret_cast<const char*>(data.data()), len};
  }
};

// Valid CAN FD data lengths (DLC 0..15 -> bytes).
bool isValidFdLength(std::size_t len) noexcept;
// "18FEF100#0011223344556677" (candump notation) for logs.
std::string formatFrame(const CanFrame& f);

// A kernel-style acceptance filter: (frame.id & mask) == (id & mask), for
// frames of the given id type.
struct CanFilter {
  std::uint32_t id = 0;
  std::uint32_t mask = 0;
  bool extended = false;
  bool operator==(const CanFilter&) const = default;
};
bool matches(const CanFilter& filter, const CanFrame& frame) noexcept;

// Why a frame (or part of it) produced no signal. Counted, logged rate-limited.
enum class Issue : std::uint8_t {
  kUnknownId,      // no decoder knows the id
  kDlcMismatch,    // length does not match the definition (incl. 0-length frames)
  kFdOnClassic,    // CAN FD frame for a classic definition
  kRemote,         // remote frame where data was expected
  kOutOfRange,     // physical value outside the DBC [min|max]
  kNotAvailable,   // J1939 "not available" / "error" raw value
  kTransport,      // J1939 TP / ISO-TP sequence error, abort, timeout
  kNoResponse,     // OBD-II request without an answer
  kMalformed,      // bytes that make no sense for the protocol
  kCount_
};
inline constexpr std::size_t kIssueCount = static_cast<std::size_t>(Issue::kCount_);
std::string_view issueName(Issue issue) noexcept;

struct IssueReport {
  Issue issue;
  std::uint32_t id;
};

// Signals of one batch. Keeps its Signal objects across clear() so that
// steady-state decoding reuses their string capacity instead of allocating.
class SignalBuffer {
 public:
  Signal& emplace_back() {
    if (used_ == items_.size()) items_.emplace_back();
    Signal& s = items_[used_++];
    s.quality = 100;
    return s;
  }
  void clear() { used_ = 0; }
  [[nodiscard]] std::size_t size() const { return used_; }
  [[nodiscard]] bool empty() const { return used_ == 0; }
  [[nodiscard]] const Signal& operator[](std::size_t i) const { return items_[i]; }
  [[nodiscard]] const Signal& back() const { return items_[used_ - 1]; }
  [[nodiscard]] const Signal* begin() const { return items_.data(); }
  [[nodiscard]] const Signal* end() const { return items_.data() + used_; }
  [[nodiscard]] std::span<const Signal> view() const { return {items_.data(), used_}; }

 private:
  std::vector<Signal> items_;
  std::size_t used_ = 0;
};

// What decoding one frame (or one tick) produced.
struct DecodeOutput {
  SignalBuffer signals;             // full names: "<source>.<message>.<signal>"
  std::vector<CanFrame> tx;         // frames a decoder wants sent (OBD-II requests, ISO-TP flow control)
  std::vector<IssueReport> issues;  // counted by the caller
  void clear() {
    signals.clear();
    tx.clear();
    issues.clear();
  }
};

class FrameDecoder {
 public:
  virtual ~FrameDecoder() = default;
  [[nodiscard]] virtual std::string_view kind() const = 0;
  // Decode one frame. Returns true when the frame belongs to this decoder
  // (even if it produced only issues); false = not mine.
  virtual bool decode(const CanFrame& frame, std::int64_t ts_ms, DecodeOutput& out) = 0;
  // Periodic work (polling decoders send requests, detect timeouts).
  virtual void tick(MonoTime /*now*/, std::int64_t /*ts_ms*/, DecodeOutput& /*out*/) {}
  // Acceptance filters covering every frame this decoder wants.
  [[nodiscard]] virtual std::vector<CanFilter> filters() const = 0;
  // Names this decoder can produce, without the source prefix ("EEC1.EngineSpeed").
  [[nodiscard]] virtual std::vector<std::string> catalog() const = 0;
};

}  // namespace tgw::decode
