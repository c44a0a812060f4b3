// Writes the queue's sequence number into a JSON object payload.
#pragma once

#include <cstdint>
#include <string>

namespace tgw::queue {

// `{"a":1}` -> `{"a":1,"seq":N}`, `{}` -> `{"seq":N}` (trailing whitespace
// kept out). Returns false and leaves `payload` unchanged if it is not a JSON
// object text (does not start with '{' and end with '}').
bool spliceSeq(std::string& payload, std::uint64_t seq);

}  // namespace tgw::queue
