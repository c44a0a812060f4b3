// OBD-II (SAE J1979 mode 01) PID polling over ISO 15765-4 (ISO-TP on CAN,
// 11-bit ids): requests on 0x7DF, responses from 0x7E8..0x7EF, single and
// multi-frame (flow control sent to 0x7E0..0x7E7). Pure state machine: time
// comes in through tick(); frames to send come out in DecodeOutput::tx.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "decode/can/can_frame.hpp"
#include "decode/can/signal_selection.hpp"

namespace tgw::decode::obd2 {

inline constexpr std::uint32_t kRequestId = 0x7DF;
inline constexpr std::uint32_t kFirstResponseId = 0x7E8;
inline constexpr std::uint32_t kLastResponseId = 0x7EF;
inline constexpr std::uint8_t kPad = 0x55;

struct PidInfo {
  std::uint8_t pid;
  const char* name;  // signal field, "engine_rpm"
  const char* unit;
  std::uint8_t bytes;  // data bytes A, B, ...
};
// The supported PIDs (0x0C, 0x0D, 0x11, 0x2F, 0x05 and a few more).
std::span<const PidInfo> supportedPids();
const PidInfo* pidInfo(std::uint8_t pid);
// Physical value of a PID from its data bytes; nullopt if too short / unknown.
std::optional<double> decodePid(std::uint8_t pid, std::span<const std::uint8_t> bytes);

struct PidValue {
  std::uint8_t pid = 0;
  double value = 0;
};
// Parse a whole mode 01 positive response "41 <pid> <data> [<pid> <data>]...".
// Returns false if the payload is not a well-formed positive response.
bool parseMode01Response(std::span<const std::uint8_t> payload, std::vector<PidValue>& out);

// ISO-TP reassembly for one responder.
class IsoTpReceiver {
 public:
  enum class Result { kNone, kComplete, kFlowControl, kError };
  static constexpr std::int64_t kTimeoutMs = 1000;  // N_Cr
  Result feed(std::span<const std::uint8_t> frame, std::int64_t ts_ms);
  [[nodiscard]] const std::vector<std::uint8_t>& payload() const { return payload_; }

 private:
  std::vector<std::uint8_t> payload_;
  std::size_t expected_ = 0;
  std::uint8_t next_seq_ = 0;
  std::int64_t last_ms_ = 0;
  bool active_ = false;
};

struct Obd2Options {
  std::vector<std::uint8_t> pids = {0x0C, 0x0D, 0x11, 0x2F, 0x05};
  int interval_ms = 1000;   // one polling cycle over all PIDs per interval
  int timeout_ms = 250;     // per request
  int stale_after = 3;      // consecutive misses until quality 0
  bool poll = true;         // false: only decode responses seen on the bus (log replay)
};

class Obd2Decoder final : public FrameDecoder {
 public:
  Obd2Decoder(Obd2Options options, std::string prefix, const SignalSelection& selection = {});

  [[nodiscard]] std::string_view kind() const override { return "obd2"; }
  bool decode(const CanFrame& frame, std::int64_t ts_ms, DecodeOutput& out) override;
  void tick(MonoTime now, std::int64_t ts_ms, DecodeOutput& out) override;
  [[nodiscard]] std::vector<CanFilter> filters() const override { return {{kFirstResponseId, 0x7F8, false}}; }
  [[nodiscard]] std::vector<std::string> catalog() const override;

  [[nodiscard]] std::uint64_t requestsSent() const { return requests_; }
  [[nodiscard]] std::uint64_t noResponses() const { return no_response_; }

 private:
  struct PidState {
    std::optional<double> last;
    int misses = 0;
    std::string name;
    bool selected = true;
  };
  void emit(DecodeOutput& out, std::uint8_t pid, double value, int quality, std::int64_t ts_ms);
  void sendNext(MonoTime now, DecodeOutput& out);

  Obd2Options opt_;
  std::string prefix_;
  std::map<std::uint8_t, PidState> state_;
  std::map<std::uint32_t, IsoTpReceiver> rx_;
  std::optional<MonoTime> next_cycle_;
  std::size_t cursor_ = 0;                    // next PID of the current cycle
  std::optional<std::uint8_t> outstanding_;   // PID waiting for an answer
  MonoTime sent_at_{};
  bool in_cycle_ = false;
  std::uint64_t requests_ = 0;
  std::uint64_t no_response_ = 0;
  std::vector<PidValue> scratch_;
};

// libFuzzer-friendly entry point: bytes cut into 9-byte records (1 id
// selector + 8 data) fed to an Obd2Decoder as responses.
int fuzzObd2(const std::uint8_t* data, std::size_t size);

}  // namespace tgw::decode::obd2
