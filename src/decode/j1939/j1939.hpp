// SAE J1939 on CAN: 29-bit id fields, DBC messages matched on PGN, built-in
// definitions for the DTG signals, "not available" filtering and transport
// protocol (BAM / CMDT) reassembly. Pure: time comes in with each frame.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "decode/can/can_frame.hpp"
#include "decode/can/signal_selection.hpp"
#include "decode/dbc/dbc.hpp"
#include "decode/dbc/dbc_decoder.hpp"

namespace tgw::decode::j1939 {

inline constexpr std::uint32_t kPgnTpCm = 0xEC00;  // 60416 TP.CM
inline constexpr std::uint32_t kPgnTpDt = 0xEB00;  // 60160 TP.DT
inline constexpr std::uint8_t kGlobal = 0xFF;

struct J1939Id {
  std::uint8_t priority = 0;
  std::uint32_t pgn = 0;
  std::uint8_t source = 0;
  std::uint8_t destination = kGlobal;  // PDU1: the PS field; PDU2: global
  bool pdu1 = false;
};

J1939Id parseId(std::uint32_t id29) noexcept;

// J1939-71 ranges: raw values above the valid range of the signal's size
// (0xFB..0xFF for 8 bits, 0xFB00.. for 16, 0xFB000000.. for 32; the two top
// values for fields shorter than a byte) mean "error" / "not available".
bool notAvailable(std::uint64_t raw, unsigned length) noexcept;

// DBC text of the built-in DTG definitions: EEC1.EngineSpeed (SPN 190),
// CCVS1.WheelBasedVehicleSpeed (SPN 84), EEC2.AccelPedalPos1 (SPN 91),
// DD1.FuelLevel1 (SPN 96), LFE1.EngineFuelRate (SPN 183).
std::string_view builtinDbc();
std::shared_ptr<const dbc::Database> builtinDatabase();

// Passive reassembly of TP.CM/TP.DT sessions (BAM broadcast and RTS/CTS).
class TransportReassembler {
 public:
  struct Completed {
    std::uint32_t pgn = 0;
    std::uint8_t source = 0;
    std::uint8_t destination = kGlobal;
    std::vector<std::uint8_t> data;
  };
  static constexpr std::int64_t kTimeoutMs = 750;  // J1939-21 T1

  // Returns true when `id` is a TP.CM / TP.DT frame (consumed here).
  // `done` is set when a multi-packet message completes.
  bool feed(const J1939Id& id, std::span<const std::uint8_t> data, std::int64_t ts_ms, std::optional<Completed>& done,
            std::vector<IssueReport>& issues);
  [[nodiscard]] std::size_t openSessions() const { return sessions_.size(); }

 private:
  struct Session {
    std::uint32_t pgn = 0;
    std::uint16_t size = 0;
    std::uint8_t packets = 0;
    std::uint8_t next = 1;
    std::int64_t last_ms = 0;
    std::vector<std::uint8_t> buf;
  };
  std::map<std::uint16_t, Session> sessions_;  // key: source << 8 | destination
};

class J1939Decoder final : public FrameDecoder {
 public:
  // DBCs are searched in order, then the built-in definitions (if enabled) for
  // PGNs no DBC defines.
  J1939Decoder(std::vector<std::shared_ptr<const dbc::Database>> dbcs, bool builtins, const std::string& prefix,
               const SignalSelection& selection = {});

  [[nodiscard]] std::string_view kind() const override { return "j1939"; }
  bool decode(const CanFrame& frame, std::int64_t ts_ms, DecodeOutput& out) override;
  [[nodiscard]] std::vector<CanFilter> filters() const override;
  [[nodiscard]] std::vector<std::string> catalog() const override;

 private:
  struct Entry {
    std::size_t db = 0;
    std::size_t message = 0;
  };
  void decodePgn(const Entry& e, std::span<const std::uint8_t> data, std::uint32_t id, std::int64_t ts_ms,
                 DecodeOutput& out);

  std::vector<std::shared_ptr<const dbc::Database>> dbs_;
  std::vector<dbc::CompiledNames> names_;
  std::unordered_map<std::uint32_t, Entry> by_pgn_;
  TransportReassembler tp_;
  std::vector<dbc::DecodedValue> scratch_;
};

// libFuzzer-friendly entry point: bytes are cut into 13-byte records
// (4 id + 1 len + 8 data) and fed to a J1939Decoder with the built-ins.
int fuzzJ1939(const std::uint8_t* data, std::size_t size);

}  // namespace tgw::decode::j1939
