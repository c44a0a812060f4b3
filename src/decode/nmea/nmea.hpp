// NMEA 0183 decoding (pure: bytes in, values out, no I/O).
//
// splitSentence() checks framing and the checksum; decodeSentence() turns one
// checked sentence into a GpsUpdate; GpsState folds updates so a source can
// tell "no fix" from "fix". Talkers GP/GN/GL/GA/BD/GB/GQ/GI are accepted for
// GGA, RMC, VTG, GSA, GNS and GLL; other types are reported as unsupported.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tgw::decode::nmea {

inline constexpr std::size_t kMaxSentenceLength = 164;  // generous: 82 by the standard, some receivers exceed

enum class Problem : std::uint8_t {
  kNone,
  kEmpty,           // blank line
  kNoStart,         // does not start with '$' or '!'
  kTooLong,         // over kMaxSentenceLength
  kBadCharacter,    // control / non-ASCII byte inside the sentence
  kNoChecksum,      // no "*hh" at the end
  kBadChecksum,     // checksum mismatch
  kBadAddress,      // address field too short
  kUnsupported,     // a valid sentence of a type we do not decode (GSV, TXT ...)
  kBadField,        // a field that must be a number is not
};
std::string_view problemName(Problem p) noexcept;

struct Sentence {
  std::string_view talker;               // "GP", "GN", ...
  std::string_view type;                 // "GGA", "RMC", ...
  std::vector<std::string_view> fields;  // after the address field, checksum removed
};

// Framing and checksum. Trailing CR/LF is ignored. Views point into `line`.
struct SplitResult {
  Problem problem = Problem::kNone;
  Sentence sentence;
};
SplitResult splitSentence(std::string_view line);

// What one sentence says. Unset members: the sentence does not carry them
// (or the field is empty).
struct GpsUpdate {
  std::string type;              // "GGA" ...
  std::string talker;
  // Position is set only when the sentence says the fix is valid.
  std::optional<double> lat;     // degrees, + north
  std::optional<double> lon;     // degrees, + east
  std::optional<double> alt_m;   // above mean sea level (GGA, GNS)
  std::optional<double> speed_kmh;
  std::optional<double> course_deg;
  std::optional<double> hdop;
  std::optional<double> pdop;
  std::optional<double> vdop;
  std::optional<int> satellites;   // used in the fix
  std::optional<int> quality;      // GGA fix quality 0..8
  std::optional<int> mode;         // 1 none, 2 = 2D, 3 = 3D (GSA); or derived
  std::optional<bool> valid;       // the sentence's own "fix valid" flag
  std::optional<std::int64_t> time_of_day_ms;  // UTC ms since midnight
  std::optional<std::int64_t> utc_ms;          // Unix ms (RMC: date + time)
};

struct DecodeResult {
  Problem problem = Problem::kNone;
  GpsUpdate update;
};

// The pure entry point (fuzz target): one line of text in, one result out.
DecodeResult decodeSentence(std::string_view line);

// Folds updates into the receiver's current state.
class GpsState {
 public:
  void apply(const GpsUpdate& u);
  [[nodiscard]] bool hasFix() const { return fix_; }
  // 0 = no fix, 2 = 2D, 3 = 3D.
  [[nodiscard]] int fixMode() const;
  [[nodiscard]] std::optional<int> satellites() const { return satellites_; }

 private:
  bool fix_ = false;
  std::optional<int> mode_;
  std::optional<int> satellites_;
};

// NMEA checksum of the text between '$' and '*'.
std::uint8_t checksum(std::string_view body);

}  // namespace tgw::decode::nmea
