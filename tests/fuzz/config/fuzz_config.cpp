// libFuzzer target: the YAML config loader (yaml-cpp + every section reader
// and the validator). Input: the text of a gateway.yaml.
#include <cstddef>
#include <cstdint>
#include <string>

#include "tgw/config/loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  tgw::config::Diagnostics diag("fuzz.yaml");
  auto cfg = tgw::config::loadString(text, "fuzz.yaml", diag);
  (void)diag.format();
  return 0;
}
