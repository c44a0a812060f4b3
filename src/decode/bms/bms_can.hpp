// BMS CAN (Pylontech / SMA Sunny Island style, 500 kbit/s, standard ids):
//   0x351 charge/discharge limits, 0x355 SoC/SoH, 0x356 voltage/current/temperature,
//   0x359 protection (alarm) and warning bits, 0x35C charge requests, 0x35E manufacturer.
// Signals are named "<source>.bms.<field>" (alarms "bms.alarm.<name>", warnings
// "bms.warning.<name>"). Pure.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "decode/can/can_frame.hpp"
#include "decode/can/signal_selection.hpp"

namespace tgw::decode::bms {

// Every name this decoder can produce, without the source prefix.
const std::vector<std::string>& bmsCatalog();

class BmsCanDecoder final : public FrameDecoder {
 public:
  explicit BmsCanDecoder(std::string prefix, const SignalSelection& selection = {});

  [[nodiscard]] std::string_view kind() const override { return "bms_can"; }
  bool decode(const CanFrame& frame, std::int64_t ts_ms, DecodeOutput& out) override;
  [[nodiscard]] std::vector<CanFilter> filters() const override { return {{0x350, 0x7F0, false}}; }
  [[nodiscard]] std::vector<std::string> catalog() const override { return bmsCatalog(); }

 private:
  void emit(DecodeOutput& out, std::string_view field, SignalValue value, std::string_view unit, std::int64_t ts_ms);
  std::string prefix_;
  SignalSelection selection_;
};

// libFuzzer-friendly entry point: 1 byte id selector + 1 byte length + data.
int fuzzBms(const std::uint8_t* data, std::size_t size);

}  // namespace tgw::decode::bms
