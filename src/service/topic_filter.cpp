#include "service/topic_filter.hpp"

#include <vector>

namespace tgw::service {
namespace {

std::vector<std::string_view> levels(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = s.find('/', start);
    if (slash == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, slash - start));
    start = slash + 1;
  }
}

}  // namespace

std::optional<std::string> checkTopicFilter(std::string_view filter) {
  if (filter.empty()) return std::string("the topic filter is empty");
  if (filter.find('\0') != std::string_view::npos) return std::string("the topic filter contains a NUL character");
  const auto parts = levels(filter);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const auto level = parts[i];
    if (level.find('#') != std::string_view::npos && (level != "#" || i + 1 != parts.size())) {
      return std::string("'#' must be a whole level and the last one (e.g. homesync/#)");
    }
    if (level.find('+') != std::string_view::npos && level != "+") {
      return std::string("'+' must be a whole level (e.g. homesync/+/nodes/+/telemetry/power)");
    }
  }
  return std::nullopt;
}

bool topicMatches(std::string_view filter, std::string_view topic) {
  if (!topic.empty() && topic.front() == '$' && !filter.empty() && (filter.front() == '+' || filter.front() == '#')) {
    return false;
  }
  const auto f = levels(filter);
  const auto t = levels(topic);
  std::size_t i = 0;
  for (; i < f.size(); ++i) {
    if (f[i] == "#") return true;  // also matches the parent level ("a/#" matches "a")
    if (i >= t.size()) return false;
    if (f[i] != "+" && f[i] != t[i]) return false;
  }
  return i == t.size();
}

}  // namespace tgw::service
