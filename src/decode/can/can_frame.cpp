#include "decode/can/can_frame.hpp"

#include <fmt/format.h>

#include "decode/can/signal_selection.hpp"

namespace tgw::decode {

bool isValidFdLength(std::size_t len) noexcept {
  if (len <= 8) return true;
  switch (len) {
    case 12: case 16: case 20: case 24: case 32: case 48: case 64: return true;
    default: return false;
  }
}

std::string formatFrame(const CanFrame& f) {
  std::string s = f.extended ? fmt::format("{:08X}", f.id) : fmt::format("{:03X}", f.id);
  s += f.fd ? "##0" : "#";
  if (f.remote) {
    s += fmt::format("R{}", f.len);
    return s;
  }
  for (std::size_t i = 0; i < f.len && i < kMaxCanData; ++i) s += fmt::format("{:02X}", f.data[i]);
  return s;
}

bool matches(const CanFilter& filter, const CanFrame& frame) noexcept {
  return filter.extended == frame.extended && (frame.id & filter.mask) == (filter.id & filter.mask);
}

std::string_view issueName(Issue issue) noexcept {
  switch (issue) {
    case Issue::kUnknownId: return "unknown_id";
    case Issue::kDlcMismatch: return "dlc_mismatch";
    case Issue::kFdOnClassic: return "fd_on_classic";
    case Issue::kRemote: return "remote_frame";
    case Issue::kOutOfRange: return "out_of_range";
    case Issue::kNotAvailable: return "not_available";
    case Issue::kTransport: return "transport";
    case Issue::kNoResponse: return "no_response";
    case Issue::kMalformed: return "malformed";
    case Issue::kCount_: break;
  }
  return "?";
}

bool SignalSelection::selected(std::string_view name) const {
  if (patterns_.empty()) return true;
  for (const auto& p : patterns_) {
    if (!p.empty() && p.back() == '*') {
      if (name.starts_with(std::string_view(p).substr(0, p.size() - 1))) return true;
    } else if (name == p) {
      return true;
    }
  }
  return false;
}

}  // namespace tgw::decode
