#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "decode/can/can_frame.hpp"
#include "support/support.hpp"

namespace tgw::test {

// "0CF00400#207D87481400F087" (extended when the id has more than 3 digits).
inline decode::CanFrame frame(const std::string& text) {
  decode::CanFrame f;
  const auto hash = text.find('#');
  const std::string id = text.substr(0, hash);
  f.id = static_cast<std::uint32_t>(std::stoul(id, nullptr, 16));
  f.extended = id.size() > 3;
  const std::string data = text.substr(hash + 1);
  for (std::size_t i = 0; i + 1 < data.size(); i += 2) {
    f.data[f.len++] = static_cast<std::uint8_t>(std::stoul(data.substr(i, 2), nullptr, 16));
  }
  return f;
}

inline const Signal* find(const decode::DecodeOutput& out, const std::string& name) {
  for (const auto& s : out.signals) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

inline std::string canData(const std::string& file) { return sourcePath("tests/data/can/" + file); }

}  // namespace tgw::test
