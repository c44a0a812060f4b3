// libFuzzer target: clang++ -fsanitize=fuzzer,address (see CMakeLists.txt).
#include <cstddef>
#include <cstdint>

#include "decode/bms/bms_can.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) { return tgw::decode::bms::fuzzBms(data, size); }
