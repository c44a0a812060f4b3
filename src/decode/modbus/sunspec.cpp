#include "decode/modbus/sunspec.hpp"

#include <fmt/format.h>

namespace tgw::decode::modbus::sunspec {
namespace {

struct Point {
  const char* name;
  int offset;     // from the first data register (after ID and L)
  Type type;
  int sf_offset;  // -1: none
  const char* unit;
  int string_regs = 0;
};

// Offsets from the SunSpec model definitions (models 1, 103, 124, 802).
constexpr Point kModel1[] = {
    {"manufacturer", 0, Type::kString, -1, "", 16},
    {"model", 16, Type::kString, -1, "", 16},
    {"version", 40, Type::kString, -1, "", 8},
    {"serial", 48, Type::kString, -1, "", 16},
};
constexpr Point kModel103[] = {
    {"ac_current", 0, Type::kU16, 4, "A"},          {"ac_current_a", 1, Type::kU16, 4, "A"},
    {"ac_current_b", 2, Type::kU16, 4, "A"},        {"ac_current_c", 3, Type::kU16, 4, "A"},
    {"ac_voltage_an", 8, Type::kU16, 11, "V"},      {"ac_voltage_bn", 9, Type::kU16, 11, "V"},
    {"ac_voltage_cn", 10, Type::kU16, 11, "V"},     {"power", 12, Type::kS16, 13, "W"},
    {"frequency", 14, Type::kU16, 15, "Hz"},        {"apparent_power", 16, Type::kS16, 17, "VA"},
    {"reactive_power", 18, Type::kS16, 19, "var"},  {"power_factor", 20, Type::kS16, 21, "%"},
    {"energy", 22, Type::kU32, 24, "Wh"},           {"dc_current", 25, Type::kU16, 26, "A"},
    {"dc_voltage", 27, Type::kU16, 28, "V"},        {"dc_power", 29, Type::kS16, 30, "W"},
    {"temperature", 31, Type::kS16, 35, "degC"},    {"state", 36, Type::kU16, -1, ""},
};
constexpr Point kModel124[] = {
    {"storage_max_charge_power", 0, Type::kU16, 16, "W"}, {"storage_min_reserve", 5, Type::kU16, 19, "%"},
    {"storage_soc", 6, Type::kU16, 20, "%"},               {"storage_available", 7, Type::kU16, 21, "Ah"},
    {"storage_battery_voltage", 8, Type::kU16, 22, "V"},   {"storage_charge_status", 9, Type::kU16, -1, ""},
    {"storage_discharge_rate", 10, Type::kS16, 23, "%"},   {"storage_charge_rate", 11, Type::kS16, 23, "%"},
};
constexpr Point kModel802[] = {
    {"battery_capacity_ah", 0, Type::kU16, 50, "Ah"},  {"battery_capacity_wh", 1, Type::kU16, 51, "Wh"},
    {"battery_soc", 9, Type::kU16, 54, "%"},           {"battery_dod", 10, Type::kU16, 55, "%"},
    {"battery_soh", 11, Type::kU16, 56, "%"},          {"battery_cycles", 12, Type::kU32, -1, ""},
    {"battery_charge_status", 14, Type::kU16, -1, ""}, {"battery_state", 20, Type::kU16, -1, ""},
    {"battery_voltage", 32, Type::kU16, 57, "V"},      {"battery_voltage_max", 33, Type::kU16, 57, "V"},
    {"battery_voltage_min", 34, Type::kU16, 57, "V"},  {"battery_cell_voltage_max", 35, Type::kU16, 58, "V"},
    {"battery_cell_voltage_min", 38, Type::kU16, 58, "V"}, {"battery_cell_voltage_avg", 41, Type::kU16, 58, "V"},
    {"battery_current", 42, Type::kS16, 59, "A"},      {"battery_power", 45, Type::kS16, 61, "W"},
};

template <std::size_t N>
std::vector<Field> build(const Point (&points)[N], std::uint16_t start) {
  std::vector<Field> out;
  const auto data = static_cast<std::uint16_t>(start + 2);
  for (const auto& p : points) {
    Field f;
    f.name = p.name;
    f.table = Table::kHolding;
    f.address = static_cast<std::uint16_t>(data + p.offset);
    f.type = p.type;
    f.unit = p.unit;
    f.string_regs = p.string_regs;
    f.sunspec = true;
    if (p.sf_offset >= 0) f.sf_address = static_cast<std::uint16_t>(data + p.sf_offset);
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

bool knownModel(std::uint16_t id) { return id == 1 || id == 103 || id == 124 || id == 802; }

std::vector<Field> modelFields(std::uint16_t id, std::uint16_t start) {
  switch (id) {
    case 1: return build(kModel1, start);
    case 103: return build(kModel103, start);
    case 124: return build(kModel124, start);
    case 802: return build(kModel802, start);
    default: return {};
  }
}

std::vector<std::string> allFieldNames() {
  std::vector<std::string> names;
  for (std::uint16_t id : {1, 103, 124, 802}) {
    for (const auto& f : modelFields(id, 0)) names.push_back(f.name);
  }
  return names;
}

Expected<Discovery> discover(const ReadFn& read, int max_models) {
  Discovery d;
  bool found = false;
  std::string tried;
  for (std::uint16_t base : kBases) {
    auto marker = read(base, 2);
    tried += fmt::format("{}{}", tried.empty() ? "" : ", ", base);
    if (marker && marker->size() == 2 && (*marker)[0] == kMarkerHi && (*marker)[1] == kMarkerLo) {
      d.base = base;
      found = true;
      break;
    }
    if (!marker && marker.error().code == Errc::kTimeout) return tl::unexpected(marker.error());
  }
  if (!found) {
    return makeError(Errc::kNotFound, fmt::format("sunspec: no 'SunS' marker at holding registers {}", tried));
  }
  std::uint32_t at = d.base + 2u;
  for (int i = 0; i < max_models; ++i) {
    if (at + 2 > 0xffff) break;
    auto hdr = read(static_cast<std::uint16_t>(at), 2);
    if (!hdr) return tl::unexpected(hdr.error());
    if (hdr->size() != 2) return makeError(Errc::kParse, "sunspec: short model header");
    const std::uint16_t id = (*hdr)[0];
    const std::uint16_t len = (*hdr)[1];
    if (id == kEndModel) return d;
    Model m{id, static_cast<std::uint16_t>(at), len};
    d.models.push_back(m);
    if (knownModel(id)) {
      for (auto& f : modelFields(id, m.start)) {
        // A model shorter than its definition: only the points inside it.
        const auto n = static_cast<std::uint32_t>(registerCount(f.type, f.string_regs));
        const bool inside = f.address + n <= at + 2 + len && (!f.sf_address || *f.sf_address < at + 2 + len);
        if (inside) d.fields.push_back(std::move(f));
      }
    }
    at += 2u + len;
  }
  return d;
}

}  // namespace tgw::decode::modbus::sunspec
