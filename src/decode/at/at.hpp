// 3GPP TS 27.007 / SIMCom SIM7080 AT reply parsing (pure: text in, values out).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tgw::decode::at {

// Final result codes that end a command.
enum class Final : std::uint8_t { kNone, kOk, kError, kCmeError, kCmsError, kNoCarrier, kAbort };
// kNone: not a final result line. `code` gets the +CME/+CMS error number or text.
Final classifyFinal(std::string_view line, std::string* code = nullptr);

// "+CSQ: 20,99" -> rssi in dBm (0 -> -113 ... 31 -> -51; 99 unknown -> nullopt).
struct Csq {
  std::optional<int> rssi_dbm;
  std::optional<int> ber;
};
std::optional<Csq> parseCsq(std::string_view line);
std::optional<int> csqToDbm(int rssi);

// "+CREG: <n>,<stat>[,<lac>,<ci>[,<act>]]" (query reply) or the URC
// "+CREG: <stat>[,<lac>,<ci>[,<act>]]"; same for +CEREG / +CGREG.
struct Registration {
  std::string kind;  // "CREG", "CEREG", "CGREG"
  int stat = 0;      // 0 not, 1 home, 2 searching, 3 denied, 4 unknown, 5 roaming
  std::string lac;   // hex text as sent, quotes removed
  std::string ci;
  std::optional<int> act;
  [[nodiscard]] bool registered() const { return stat == 1 || stat == 5; }
};
std::optional<Registration> parseRegistration(std::string_view line, bool urc = false);
std::string_view registrationText(int stat);

// "+COPS: <mode>[,<format>,<oper>[,<act>]]"
struct Operator {
  int mode = 0;
  std::string name;  // empty: not registered
  std::optional<int> act;
};
std::optional<Operator> parseCops(std::string_view line);

// AT+CCID / AT+ICCID reply: the 19-20 digit ICCID (a trailing 'F' pad removed).
std::optional<std::string> parseIccid(std::string_view line);

// SIM7080 "+CPSI: <system mode>,<operation mode>[,<MCC>-<MNC>,<TAC>,<SCellID>,<PCellID>,
// <band>,<earfcn>,<dlbw>,<ulbw>,<RSRQ>,<RSRP>,<RSSI>,<RSSNR>]" (LTE CAT-M1 / NB-IOT).
struct ServingCell {
  std::string system;  // "LTE CAT-M1", "LTE NB-IOT", "GSM", "NO SERVICE"
  std::string operation;
  std::string mcc_mnc;
  std::optional<double> rsrq_db;
  std::optional<double> rsrp_dbm;
  std::optional<double> rssi_dbm;
  std::optional<double> snr_db;
};
std::optional<ServingCell> parseCpsi(std::string_view line);

// "+CGNSPWR: <0|1>"
std::optional<bool> parseCgnspwr(std::string_view line);

// SIM7080 "+CGNSINF: <run>,<fix>,<yyyyMMddhhmmss.sss>,<lat>,<lon>,<alt>,<speed km/h>,<course>,
// <fix mode>,,<HDOP>,<PDOP>,<VDOP>,,<sats in view>,<sats used>,<HPA>,<VPA>"
struct GnssInfo {
  bool running = false;
  bool fix = false;
  std::optional<std::int64_t> utc_ms;
  std::optional<double> lat, lon, alt_m, speed_kmh, course_deg, hdop;
  std::optional<int> satellites_in_view;
  std::optional<int> satellites_used;
};
std::optional<GnssInfo> parseCgnsinf(std::string_view line);

// Comma-separated fields after "<prefix>: ", quotes kept.
std::vector<std::string_view> splitParams(std::string_view line);
// "+CSQ: 1,2" -> "+CSQ"; "" when the line has no "+X:" prefix.
std::string_view prefixOf(std::string_view line);

}  // namespace tgw::decode::at
