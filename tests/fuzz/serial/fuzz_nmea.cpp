// libFuzzer target: NMEA 0183 sentences, one per line, folded into a GpsState.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "decode/nmea/nmea.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  tgw::decode::nmea::GpsState state;
  while (!rest.empty()) {
    const auto nl = rest.find('\n');
    const auto line = rest.substr(0, nl);
    const auto r = tgw::decode::nmea::decodeSentence(line);
    state.apply(r.update);
    (void)state.fixMode();
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
  return 0;
}
