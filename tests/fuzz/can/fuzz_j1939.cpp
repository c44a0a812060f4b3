// libFuzzer target: clang++ -fsanitize=fuzzer,address (see CMakeLists.txt).
#include <cstddef>
#include <cstdint>

#include "decode/j1939/j1939.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) { return tgw::decode::j1939::fuzzJ1939(data, size); }
