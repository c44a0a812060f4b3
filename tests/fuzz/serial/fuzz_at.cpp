// libFuzzer target: AT replies and URCs (SIM7080 / 27.007), one per line,
// through every parser.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "decode/at/at.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace at = tgw::decode::at;
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  while (!rest.empty()) {
    const auto nl = rest.find('\n');
    auto line = rest.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::string code;
    (void)at::classifyFinal(line, &code);
    if (auto c = at::parseCsq(line); c && c->rssi_dbm) (void)at::csqToDbm(*c->rssi_dbm);
    if (auto r = at::parseRegistration(line, false)) (void)at::registrationText(r->stat);
    if (auto r = at::parseRegistration(line, true)) (void)at::registrationText(r->stat);
    (void)at::parseCops(line);
    (void)at::parseIccid(line);
    (void)at::parseCpsi(line);
    (void)at::parseCgnspwr(line);
    (void)at::parseCgnsinf(line);
    (void)at::splitParams(line);
    (void)at::prefixOf(line);
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
  return 0;
}
