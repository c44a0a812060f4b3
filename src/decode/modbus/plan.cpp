#include "decode/modbus/plan.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>

namespace tgw::decode::modbus {

std::vector<ReadBlock> planReads(std::span<const Field> fields, int max_gap) {
  // Every register any field needs, per table.
  std::map<Table, std::set<std::uint32_t>> need;
  for (const auto& f : fields) {
    const int n = std::max(1, registerCount(f.type, f.string_regs));
    for (int i = 0; i < n; ++i) need[f.table].insert(static_cast<std::uint32_t>(f.address) + i);
    if (f.sf_address) need[f.table].insert(*f.sf_address);
  }
  std::vector<ReadBlock> blocks;
  for (const auto& [table, addrs] : need) {
    const std::uint32_t limit = isBitTable(table) ? 2000 : 125;
    ReadBlock cur{table, 0, 0};
    for (std::uint32_t a : addrs) {
      if (a > 0xffff) continue;
      if (cur.count > 0) {
        const std::uint32_t end = cur.start + cur.count;  // one past the last
        if (a - end <= static_cast<std::uint32_t>(std::max(0, max_gap)) && a + 1 - cur.start <= limit) {
          cur.count = static_cast<std::uint16_t>(a + 1 - cur.start);
          continue;
        }
        blocks.push_back(cur);
      }
      cur = ReadBlock{table, static_cast<std::uint16_t>(a), 1};
    }
    if (cur.count > 0) blocks.push_back(cur);
  }
  return blocks;
}

void RegisterImage::put(Table t, std::uint16_t start, std::span<const std::uint16_t> values) {
  for (std::size_t i = 0; i < values.size() && start + i <= 0xffff; ++i) {
    words_[key(t, static_cast<std::uint16_t>(start + i))] = values[i];
  }
}

bool RegisterImage::get(Table t, std::uint16_t start, int count, std::vector<std::uint16_t>& out) const {
  out.clear();
  for (int i = 0; i < count; ++i) {
    if (start + i > 0xffff) return false;
    auto it = words_.find(key(t, static_cast<std::uint16_t>(start + i)));
    if (it == words_.end()) return false;
    out.push_back(it->second);
  }
  return true;
}

namespace {

bool sunspecNotImplemented(const Field& f, std::span<const std::uint16_t> regs) {
  switch (f.type) {
    case Type::kS16:
    case Type::kSunssf: return regs[0] == 0x8000;
    case Type::kU16: return regs[0] == 0xffff;
    case Type::kU32: return regs[0] == 0xffff && regs[1] == 0xffff;
    case Type::kS32: return regs[0] == 0x8000 && regs[1] == 0;
    default: return false;
  }
}

}  // namespace

Expected<SignalValue> decodeField(const Field& f, const RegisterImage& image) {
  std::vector<std::uint16_t> regs;
  const int n = std::max(1, registerCount(f.type, f.string_regs));
  if (!image.get(f.table, f.address, n, regs)) {
    return makeError(Errc::kNotFound, fmt::format("modbus field '{}': registers {}+{} were not read", f.name,
                                                  f.address, n));
  }
  if (f.type == Type::kString) return Expected<SignalValue>(tl::in_place, std::in_place_type<std::string>, decodeString(regs));
  if (f.sunspec && sunspecNotImplemented(f, regs)) {
    return makeError(Errc::kUnsupported, fmt::format("modbus field '{}': not implemented by the device", f.name));
  }
  // (Built in place: GCC 12 -O2 reports a false maybe-uninitialized on a moved variant.)
  if (isBitTable(f.table) || f.type == Type::kBool) {
    return Expected<SignalValue>(tl::in_place, std::in_place_type<bool>, regs[0] != 0);
  }
  auto v = decodeNumber(regs, f.type, f.order);
  if (!v) return tl::unexpected(v.error());
  double value = *v;
  if (f.sf_address) {
    std::vector<std::uint16_t> sf;
    if (!image.get(f.table, *f.sf_address, 1, sf)) {
      return makeError(Errc::kNotFound, fmt::format("modbus field '{}': scale factor not read", f.name));
    }
    if (sf[0] == 0x8000) {
      return makeError(Errc::kUnsupported, fmt::format("modbus field '{}': scale factor not implemented", f.name));
    }
    const int exp = static_cast<std::int16_t>(sf[0]);
    if (exp < -10 || exp > 10) {
      return makeError(Errc::kParse, fmt::format("modbus field '{}': scale factor {} out of range", f.name, exp));
    }
    value *= std::pow(10.0, exp);
  }
  return Expected<SignalValue>(tl::in_place, std::in_place_type<double>, value * f.scale + f.offset);
}

}  // namespace tgw::decode::modbus
