#include "decode/bms/bms_can.hpp"

#include <cstring>

namespace tgw::decode::bms {
namespace {

struct Bit {
  std::uint8_t byte;
  std::uint8_t bit;
  const char* name;
};

// Pylontech CAN protocol: bytes 0-1 protection (alarm), bytes 2-3 warning.
constexpr Bit kAlarmBits[] = {
    {0, 1, "alarm.over_voltage"},          {0, 2, "alarm.under_voltage"},
    {0, 3, "alarm.over_temperature"},      {0, 4, "alarm.under_temperature"},
    {0, 7, "alarm.discharge_over_current"}, {1, 0, "alarm.charge_over_current"},
    {1, 3, "alarm.system_error"},
};
constexpr Bit kWarningBits[] = {
    {2, 1, "warning.high_voltage"},          {2, 2, "warning.low_voltage"},
    {2, 3, "warning.high_temperature"},      {2, 4, "warning.low_temperature"},
    {2, 7, "warning.discharge_high_current"}, {3, 0, "warning.charge_high_current"},
    {3, 3, "warning.internal_communication_fail"},
};
constexpr Bit kRequestBits[] = {
    {0, 7, "charge_enable"}, {0, 6, "discharge_enable"}, {0, 5, "force_charge_1"},
    {0, 4, "force_charge_2"}, {0, 3, "request_full_charge"},
};

std::uint16_t u16(const CanFrame& f, int i) {
  return static_cast<std::uint16_t>(f.data[static_cast<std::size_t>(i)] | (f.data[static_cast<std::size_t>(i) + 1] << 8));
}
std::int16_t s16(const CanFrame& f, int i) { return static_cast<std::int16_t>(u16(f, i)); }

}  // namespace

const std::vector<std::string>& bmsCatalog() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n = {"bms.charge_voltage_limit", "bms.charge_current_limit",
                                  "bms.discharge_current_limit", "bms.discharge_voltage_limit",
                                  "bms.soc", "bms.soh", "bms.voltage", "bms.current", "bms.temperature",
                                  "bms.power_kw", "bms.alarm_active", "bms.warning_active", "bms.module_count",
                                  "bms.manufacturer"};
    for (const auto& b : kAlarmBits) n.push_back(std::string("bms.") + b.name);
    for (const auto& b : kWarningBits) n.push_back(std::string("bms.") + b.name);
    for (const auto& b : kRequestBits) n.push_back(std::string("bms.") + b.name);
    return n;
  }();
  return names;
}

BmsCanDecoder::BmsCanDecoder(std::string prefix, const SignalSelection& selection)
    : prefix_(std::move(prefix)), selection_(selection) {}

void BmsCanDecoder::emit(DecodeOutput& out, std::string_view field, SignalValue value, std::string_view unit,
                         std::int64_t ts_ms) {
  std::string local = "bms.";
  local += field;
  if (!selection_.selected(local)) return;
  Signal& s = out.signals.emplace_back();
  s.name = prefix_.empty() ? local : prefix_ + "." + local;
  s.value = std::move(value);
  s.unit = std::string(unit);
  s.ts_ms = ts_ms;
}

bool BmsCanDecoder::decode(const CanFrame& f, std::int64_t ts_ms, DecodeOutput& out) {
  if (f.extended || f.id < 0x351 || f.id > 0x35E) return false;
  static constexpr std::uint8_t kMinLen[] = {/*351*/ 6, 0, 0, 0, /*355*/ 4, /*356*/ 6, 0, 0,
                                             /*359*/ 4, 0, 0, /*35C*/ 1, 0, /*35E*/ 1};
  const std::uint8_t min_len = kMinLen[f.id - 0x351];
  if (min_len == 0) return false;
  if (f.remote) {
    out.issues.push_back({Issue::kRemote, f.id});
    return true;
  }
  if (f.fd) {
    out.issues.push_back({Issue::kFdOnClassic, f.id});
    return true;
  }
  if (f.len < min_len) {
    out.issues.push_back({Issue::kDlcMismatch, f.id});
    return true;
  }
  switch (f.id) {
    case 0x351:
      emit(out, "charge_voltage_limit", u16(f, 0) * 0.1, "V", ts_ms);
      emit(out, "charge_current_limit", s16(f, 2) * 0.1, "A", ts_ms);
      emit(out, "discharge_current_limit", s16(f, 4) * 0.1, "A", ts_ms);
      if (f.len >= 8) emit(out, "discharge_voltage_limit", u16(f, 6) * 0.1, "V", ts_ms);
      break;
    case 0x355: {
      const double soc = u16(f, 0);
      const double soh = u16(f, 2);
      if (soc > 100 || soh > 100) {
        out.issues.push_back({Issue::kOutOfRange, f.id});
        break;
      }
      emit(out, "soc", soc, "%", ts_ms);
      emit(out, "soh", soh, "%", ts_ms);
      break;
    }
    case 0x356: {
      const double v = s16(f, 0) * 0.01;
      const double a = s16(f, 2) * 0.1;
      emit(out, "voltage", v, "V", ts_ms);
      emit(out, "current", a, "A", ts_ms);
      emit(out, "temperature", s16(f, 4) * 0.1, "degC", ts_ms);
      emit(out, "power_kw", v * a / 1000.0, "kW", ts_ms);
      break;
    }
    case 0x359: {
      bool any_alarm = false;
      bool any_warning = false;
      for (const auto& b : kAlarmBits) {
        const bool on = (f.data[b.byte] >> b.bit) & 1;
        any_alarm = any_alarm || on;
        emit(out, b.name, on, "", ts_ms);
      }
      for (const auto& b : kWarningBits) {
        const bool on = (f.data[b.byte] >> b.bit) & 1;
        any_warning = any_warning || on;
        emit(out, b.name, on, "", ts_ms);
      }
      emit(out, "alarm_active", any_alarm, "", ts_ms);
      emit(out, "warning_active", any_warning, "", ts_ms);
      if (f.len >= 5) emit(out, "module_count", static_cast<double>(f.data[4]), "", ts_ms);
      break;
    }
    case 0x35C:
      for (const auto& b : kRequestBits) emit(out, b.name, static_cast<bool>((f.data[b.byte] >> b.bit) & 1), "", ts_ms);
      break;
    case 0x35E: {
      std::string name;
      for (std::size_t i = 0; i < f.len && f.data[i] != 0; ++i) {
        const char c = static_cast<char>(f.data[i]);
        if (c < 0x20 || c > 0x7E) {
          out.issues.push_back({Issue::kMalformed, f.id});
          return true;
        }
        name.push_back(c);
      }
      while (!name.empty() && name.back() == ' ') name.pop_back();
      emit(out, "manufacturer", name, "", ts_ms);
      break;
    }
    default: break;
  }
  return true;
}

int fuzzBms(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  BmsCanDecoder dec("fuzz");
  CanFrame f;
  f.id = 0x350U + (data[0] & 0x0F);
  f.len = static_cast<std::uint8_t>(std::min<std::size_t>(data[1] % 9, size - 2));
  std::memcpy(f.data.data(), data + 2, f.len);
  DecodeOutput out;
  dec.decode(f, 0, out);
  return 0;
}

}  // namespace tgw::decode::bms
