// libFuzzer target: clang++ -fsanitize=fuzzer,address (see CMakeLists.txt).
#include <cstddef>
#include <cstdint>

#include "sources/slcan/slcan_protocol.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) { return tgw::sources::can::fuzzSlcan(data, size); }
