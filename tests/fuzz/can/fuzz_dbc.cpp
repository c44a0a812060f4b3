// libFuzzer target: clang++ -fsanitize=fuzzer,address (see CMakeLists.txt).
#include <cstddef>
#include <cstdint>

#include "decode/dbc/dbc.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) { return tgw::decode::dbc::fuzzDbc(data, size); }
