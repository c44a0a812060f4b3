// FrameDecoder over one DBC database: frames matched on their exact id.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "decode/can/can_frame.hpp"
#include "decode/can/signal_selection.hpp"
#include "decode/dbc/dbc.hpp"

namespace tgw::decode::dbc {

// Full signal names "<prefix>.<message>.<signal>" per message, and which are selected.
struct CompiledNames {
  std::vector<std::vector<std::string>> names;
  std::vector<std::vector<char>> selected;
  std::vector<char> any_selected;
  CompiledNames(const Database& db, const std::string& prefix, const SignalSelection& selection);
};

std::string joinName(const std::string& prefix, std::string_view message, std::string_view signal);

class DbcDecoder final : public FrameDecoder {
 public:
  DbcDecoder(std::shared_ptr<const Database> db, const std::string& prefix, const SignalSelection& selection = {});

  [[nodiscard]] std::string_view kind() const override { return "dbc"; }
  bool decode(const CanFrame& frame, std::int64_t ts_ms, DecodeOutput& out) override;
  [[nodiscard]] std::vector<CanFilter> filters() const override;
  [[nodiscard]] std::vector<std::string> catalog() const override;
  [[nodiscard]] const Database& database() const { return *db_; }

 private:
  std::shared_ptr<const Database> db_;
  CompiledNames names_;
  std::vector<DecodedValue> scratch_;
};

}  // namespace tgw::decode::dbc
