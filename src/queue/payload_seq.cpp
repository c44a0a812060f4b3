#include "queue/payload_seq.hpp"

#include <fmt/format.h>

namespace tgw::queue {

bool spliceSeq(std::string& payload, std::uint64_t seq) {
  const auto first = payload.find_first_not_of(" \t\r\n");
  const auto last = payload.find_last_not_of(" \t\r\n");
  if (first == std::string::npos || payload[first] != '{' || payload[last] != '}') return false;
  // Empty object: nothing but whitespace between the braces.
  const auto inner = payload.find_first_not_of(" \t\r\n", first + 1);
  const bool empty = inner == last;
  payload.erase(last + 1);
  payload.insert(last, empty ? fmt::format("\"seq\":{}", seq) : fmt::format(",\"seq\":{}", seq));
  return true;
}

}  // namespace tgw::queue
