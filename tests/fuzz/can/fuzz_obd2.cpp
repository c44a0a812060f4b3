// libFuzzer target: clang++ -fsanitize=fuzzer,address (see CMakeLists.txt).
#include <cstddef>
#include <cstdint>

#include "decode/obd2/obd2.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) { return tgw::decode::obd2::fuzzObd2(data, size); }
