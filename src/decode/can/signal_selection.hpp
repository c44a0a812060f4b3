// Which signals a source emits: empty = all; otherwise exact names or
// prefixes ending in '*', without the source prefix ("EEC1.EngineSpeed", "bms.*").
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tgw::decode {

class SignalSelection {
 public:
  SignalSelection() = default;
  explicit SignalSelection(std::vector<std::string> patterns) : patterns_(std::move(patterns)) {}
  [[nodiscard]] bool all() const { return patterns_.empty(); }
  [[nodiscard]] bool selected(std::string_view name) const;
  [[nodiscard]] const std::vector<std::string>& patterns() const { return patterns_; }

 private:
  std::vector<std::string> patterns_;
};

}  // namespace tgw::decode
