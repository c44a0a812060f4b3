#include "sources/candump/candump_format.hpp"
#include "sources/can_common/hex.hpp"

#include <charconv>

#include <fmt/format.h>

namespace tgw::sources::can {
namespace {

constexpr std::uint32_t kErrFlag = 0x20000000U;

}  // namespace

Expected<decode::CanFrame> parseFrameText(std::string_view t) {
  decode::CanFrame f;
  const std::size_t hash = t.find('#');
  if (hash == std::string_view::npos) return makeError(Errc::kParse, "no '#' between id and data");
  const std::string_view id = t.substr(0, hash);
  if (id.size() != 3 && id.size() != 8) return makeError(Errc::kParse, "id must have 3 or 8 hex digits");
  std::uint32_t v = 0;
  for (char c : id) {
    const int n = hexNibble(c);
    if (n < 0) return makeError(Errc::kParse, "id is not hex");
    v = (v << 4) | static_cast<std::uint32_t>(n);
  }
  if (id.size() == 8) {
    f.extended = true;
    if ((v & kErrFlag) != 0) {
      f.error = true;
      v &= decode::kExtIdMask & ~kErrFlag;
    }
    if (v > decode::kExtIdMask) return makeError(Errc::kParse, "extended id has flag bits set");
  } else if (v > decode::kStdIdMask) {
    return makeError(Errc::kParse, "standard id above 0x7FF");
  }
  f.id = v;
  std::string_view data = t.substr(hash + 1);
  if (!data.empty() && data[0] == '#') {  // CAN FD: ##<flags><data>
    f.fd = true;
    if (data.size() < 2 || hexNibble(data[1]) < 0) return makeError(Errc::kParse, "CAN FD frame without flags");
    data = data.substr(2);
  } else if (!data.empty() && (data[0] == 'R' || data[0] == 'r')) {
    f.remote = true;
    if (data.size() > 1) {
      const int n = hexNibble(data[1]);
      if (n < 0 || n > 8 || data.size() > 2) return makeError(Errc::kParse, "bad remote frame length");
      f.len = static_cast<std::uint8_t>(n);
    }
    return f;
  }
  std::size_t i = 0;
  while (i < data.size()) {
    if (data[i] == '.') {
      ++i;
      continue;
    }
    if (data[i] == '_') break;  // classic frame with len8_dlc suffix: ignored
    if (i + 1 >= data.size()) return makeError(Errc::kParse, "odd number of hex digits in the data");
    const int hi = hexNibble(data[i]);
    const int lo = hexNibble(data[i + 1]);
    if (hi < 0 || lo < 0) return makeError(Errc::kParse, "data is not hex");
    if (f.len >= (f.fd ? decode::kMaxCanData : 8)) {
      return makeError(Errc::kParse, fmt::format("more than {} data bytes", f.fd ? 64 : 8));
    }
    f.data[f.len++] = static_cast<std::uint8_t>((hi << 4) | lo);
    i += 2;
  }
  if (f.fd && !decode::isValidFdLength(f.len)) return makeError(Errc::kParse, "invalid CAN FD length");
  return f;
}

Expected<CandumpRecord> parseCandumpLine(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
  std::size_t p = line.find_first_not_of(" \t");
  if (p == std::string_view::npos || line[p] == '#') return makeError(Errc::kNotFound, "empty line");
  line = line.substr(p);
  if (line[0] != '(') return makeError(Errc::kParse, "line does not start with '(timestamp)'");
  const std::size_t close = line.find(')');
  if (close == std::string_view::npos) return makeError(Errc::kParse, "timestamp without ')'");
  CandumpRecord r;
  const char* b = line.data() + 1;
  const char* e = line.data() + close;
  auto [ptr, ec] = std::from_chars(b, e, r.timestamp);
  if (ec != std::errc() || ptr != e || r.timestamp < 0) return makeError(Errc::kParse, "bad timestamp");
  std::string_view rest = line.substr(close + 1);
  p = rest.find_first_not_of(" \t");
  if (p == std::string_view::npos) return makeError(Errc::kParse, "missing interface and frame");
  rest = rest.substr(p);
  const std::size_t sp = rest.find_first_of(" \t");
  if (sp == std::string_view::npos) return makeError(Errc::kParse, "missing frame after the interface");
  r.interface = rest.substr(0, sp);
  rest = rest.substr(sp);
  p = rest.find_first_not_of(" \t");
  if (p == std::string_view::npos) return makeError(Errc::kParse, "missing frame after the interface");
  rest = rest.substr(p);
  const std::size_t end = rest.find_first_of(" \t");  // a trailing direction flag (R/T) is ignored
  auto frame = parseFrameText(rest.substr(0, end));
  if (!frame) return tl::unexpected(frame.error());
  r.frame = *frame;
  return r;
}

int fuzzCandump(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    (void)parseCandumpLine(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return 0;
}

}  // namespace tgw::sources::can
