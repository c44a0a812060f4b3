#include "sources/slcan/slcan_protocol.hpp"
#include "sources/can_common/hex.hpp"

#include <fmt/format.h>

namespace tgw::sources::can {
namespace {

bool hexValue(std::string_view s, std::uint32_t& out) {
  out = 0;
  for (char c : s) {
    const int n = hexNibble(c);
    if (n < 0) return false;
    out = (out << 4) | static_cast<std::uint32_t>(n);
  }
  return true;
}

std::string printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 40)) out += (c >= 0x20 && c < 0x7F) ? c : '?';
  return out;
}

}  // namespace

std::optional<SlcanEvent> parseSlcanLine(std::string_view line) {
  if (line.empty()) return SlcanEvent{SlcanEvent::Kind::kAck, {}, {}, {}};
  const char kind = line[0];
  if (kind == 'z' || kind == 'Z') {
    if (line.size() != 1) return std::nullopt;
    return SlcanEvent{SlcanEvent::Kind::kAck, {}, {}, {}};
  }
  if (kind == 'V' || kind == 'v' || kind == 'N' || kind == 'F') {
    return SlcanEvent{SlcanEvent::Kind::kInfo, {}, {}, printable(line)};
  }
  if (kind != 't' && kind != 'T' && kind != 'r' && kind != 'R') return std::nullopt;
  SlcanEvent ev;
  decode::CanFrame& f = ev.frame;
  f.extended = kind == 'T' || kind == 'R';
  f.remote = kind == 'r' || kind == 'R';
  const std::size_t id_len = f.extended ? 8 : 3;
  if (line.size() < 1 + id_len + 1) return std::nullopt;
  std::uint32_t id = 0;
  if (!hexValue(line.substr(1, id_len), id)) return std::nullopt;
  if (id > (f.extended ? decode::kExtIdMask : decode::kStdIdMask)) return std::nullopt;
  f.id = id;
  const int dlc = hexNibble(line[1 + id_len]);
  if (dlc < 0 || dlc > 8) return std::nullopt;
  f.len = static_cast<std::uint8_t>(dlc);
  std::size_t pos = 2 + id_len;
  const std::size_t data_chars = f.remote ? 0 : 2U * static_cast<std::size_t>(dlc);
  const std::size_t rest = line.size() - pos;
  if (rest != data_chars && rest != data_chars + 4) return std::nullopt;
  for (std::size_t i = 0; i < data_chars / 2; ++i) {
    std::uint32_t b = 0;
    if (!hexValue(line.substr(pos + 2 * i, 2), b)) return std::nullopt;
    f.data[i] = static_cast<std::uint8_t>(b);
  }
  pos += data_chars;
  if (rest == data_chars + 4) {
    std::uint32_t ts = 0;
    if (!hexValue(line.substr(pos, 4), ts) || ts > 0xEA5F) return std::nullopt;
    ev.timestamp = static_cast<std::uint16_t>(ts);
  }
  return ev;
}

void SlcanParser::finishLine(std::vector<SlcanEvent>& out) {
  if (overlong_) {
    overlong_ = false;
    line_.clear();
    return;  // reported when it went over the limit
  }
  if (line_.empty()) {
    out.push_back({SlcanEvent::Kind::kAck, {}, {}, {}});
    return;
  }
  auto ev = parseSlcanLine(line_);
  if (ev) {
    out.push_back(std::move(*ev));
  } else {
    out.push_back({SlcanEvent::Kind::kBadLine, {}, {}, printable(line_)});
  }
  line_.clear();
}

void SlcanParser::feed(std::span<const std::uint8_t> bytes, std::vector<SlcanEvent>& out) {
  for (std::uint8_t b : bytes) {
    const char c = static_cast<char>(b);
    if (c == '\r') {
      finishLine(out);
    } else if (c == '\n') {
      if (!line_.empty() || overlong_) finishLine(out);  // "\r\n" from some adapters: no second ack
    } else if (c == '\a') {
      line_.clear();
      overlong_ = false;
      out.push_back({SlcanEvent::Kind::kError, {}, {}, {}});
    } else if (overlong_) {
      continue;
    } else if (line_.size() >= kMaxLine) {
      overlong_ = true;
      out.push_back({SlcanEvent::Kind::kOverlong, {}, {}, printable(line_)});
      line_.clear();
    } else {
      line_.push_back(c);
    }
  }
}

std::string formatSlcanFrame(const decode::CanFrame& f) {
  std::string s;
  s += f.remote ? (f.extended ? 'R' : 'r') : (f.extended ? 'T' : 't');
  s += f.extended ? fmt::format("{:08X}", f.id) : fmt::format("{:03X}", f.id);
  const unsigned len = std::min<unsigned>(f.len, 8);
  s += static_cast<char>('0' + len);
  if (!f.remote) {
    for (unsigned i = 0; i < len; ++i) s += fmt::format("{:02X}", f.data[i]);
  }
  s += '\r';
  return s;
}

std::optional<std::string> bitrateCommand(int bitrate) {
  static constexpr int kRates[] = {10000, 20000, 50000, 100000, 125000, 250000, 500000, 800000, 1000000};
  for (int i = 0; i < 9; ++i) {
    if (kRates[i] == bitrate) return fmt::format("S{}\r", i);
  }
  return std::nullopt;
}

int fuzzSlcan(const std::uint8_t* data, std::size_t size) {
  SlcanParser p;
  std::vector<SlcanEvent> out;
  p.feed(std::span<const std::uint8_t>(data, size), out);
  return 0;
}

}  // namespace tgw::sources::can
