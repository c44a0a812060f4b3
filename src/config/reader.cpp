#include "config/reader.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <unistd.h>

namespace tgw::config {
namespace {

std::size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1);
  std::vector<std::size_t> cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string nodeKind(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Null: return "empty";
    case YAML::NodeType::Scalar: return fmt::format("'{}'", node.Scalar());
    default: return "undefined";
  }
}

std::optional<bool> parseBool(const std::string& s) {
  static const char* const kTrue[] = {"true", "yes", "on", "True", "Yes", "On", "TRUE", "YES", "ON"};
  static const char* const kFalse[] = {"false", "no", "off", "False", "No", "Off", "FALSE", "NO", "OFF"};
  for (const char* t : kTrue) {
    if (s == t) return true;
  }
  for (const char* f : kFalse) {
    if (s == f) return false;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> closestMatch(std::string_view word, const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    const std::size_t d = editDistance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

int lineOf(const YAML::Node& node) {
  if (!node.IsDefined()) return 0;
  const auto mark = node.Mark();
  return mark.line < 0 ? 0 : mark.line + 1;
}

int columnOf(const YAML::Node& node) {
  if (!node.IsDefined()) return 0;
  const auto mark = node.Mark();
  return mark.column < 0 ? 0 : mark.column + 1;
}

std::string joinPath(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  if (!key.empty() && key.front() == '[') return fmt::format("{}{}", parent, key);
  return fmt::format("{}.{}", parent, key);
}

MapReader::MapReader(Diagnostics& diag, const YAML::Node& node, std::string path)
    : diag_(diag), node_(node), path_(std::move(path)) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (!node.IsMap()) {
    diag_.error(lineOf(node), columnOf(node), path_,
                fmt::format("expected a mapping of keys, got {}", nodeKind(node)));
    return;
  }
  valid_ = true;
}

bool MapReader::has(std::string_view key) const {
  if (!valid_) return false;
  const YAML::Node& n = node_;
  return n[std::string(key)].IsDefined();
}

YAML::Node MapReader::get(std::string_view key) {
  known_.emplace(key);
  if (!valid_) return YAML::Node(YAML::NodeType::Undefined);
  const YAML::Node& n = node_;
  YAML::Node child = n[std::string(key)];
  if (!child.IsDefined()) return YAML::Node(YAML::NodeType::Undefined);
  return child;
}

std::string MapReader::keyPath(std::string_view key) const { return joinPath(path_, key); }

void MapReader::errorAt(const YAML::Node& node, const std::string& path, const std::string& message) {
  diag_.error(lineOf(node), columnOf(node), path, message);
}

void MapReader::errorKey(std::string_view key, const std::string& message) {
  const YAML::Node child = get(key);
  if (child.IsDefined()) {
    errorAt(child, keyPath(key), message);
  } else {
    diag_.error(lineOf(node_), columnOf(node_), keyPath(key), message);
  }
}

void MapReader::warnKey(std::string_view key, const std::string& message) {
  const YAML::Node child = get(key);
  const YAML::Node& at = child.IsDefined() ? child : node_;
  diag_.warning(lineOf(at), columnOf(at), keyPath(key), message);
}

void MapReader::typeError(const YAML::Node& node, std::string_view key, std::string_view expected) {
  errorAt(node, keyPath(key), fmt::format("expected {}, got {}", expected, nodeKind(node)));
}

std::string MapReader::str(std::string_view key, std::string def) {
  const YAML::Node n = get(key);
  if (!n.IsDefined() || n.IsNull()) return def;
  if (!n.IsScalar()) {
    typeError(n, key, "a string");
    return def;
  }
  return n.Scalar();
}

std::string MapReader::requiredStr(std::string_view key) {
  const YAML::Node n = get(key);
  if (!n.IsDefined() || n.IsNull() || (n.IsScalar() && n.Scalar().empty())) {
    if (valid_) {
      diag_.error(lineOf(node_), columnOf(node_), keyPath(key), "required key is missing");
    } else {
      diag_.error(0, 0, keyPath(key), "required key is missing");
    }
    return {};
  }
  if (!n.IsScalar()) {
    typeError(n, key, "a string");
    return {};
  }
  return n.Scalar();
}

std::string MapReader::choice(std::string_view key, std::string def, const std::vector<std::string_view>& allowed) {
  const YAML::Node n = get(key);
  const std::string value = str(key, def);
  if (!n.IsDefined() || !n.IsScalar()) return value;
  for (auto a : allowed) {
    if (a == value) return value;
  }
  std::vector<std::string> options(allowed.begin(), allowed.end());
  std::string list;
  for (const auto& o : options) list += (list.empty() ? "" : ", ") + o;
  std::string message = fmt::format("'{}' is not one of: {}", value, list);
  if (auto s = closestMatch(value, options)) message += fmt::format(" (did you mean '{}'?)", *s);
  errorAt(n, keyPath(key), message);
  return def;
}

std::int64_t MapReader::integer(std::string_view key, std::int64_t def, std::int64_t min, std::int64_t max) {
  const YAML::Node n = get(key);
  if (!n.IsDefined() || n.IsNull()) return def;
  if (!n.IsScalar()) {
    typeError(n, key, "an integer");
    return def;
  }
  const std::string& s = n.Scalar();
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(s.c_str(), &end, 0);
  if (s.empty() || end == s.c_str() || *end != '\0' || errno == ERANGE) {
    typeError(n, key, "an integer");
    return def;
  }
  if (v < min || v > max) {
    errorAt(n, keyPath(key), fmt::format("{} is out of range [{}, {}]", v, min, max));
    return def;
  }
  return v;
}

double MapReader::number(std::string_view key, double def, double min, double max) {
  const YAML::Node n = get(key);
  if (!n.IsDefined() || n.IsNull()) return def;
  if (!n.IsScalar()) {
    typeError(n, key, "a number");
    return def;
  }
  const std::string& s = n.Scalar();
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end == s.c_str() || *end != '\0' || errno == ERANGE || !std::isfinite(v)) {
    typeError(n, key, "a number");
    return def;
  }
  if (v < min || v > max) {
    errorAt(n, keyPath(key), fmt::format("{} is out of range [{}, {}]", s, min, max));
    return def;
  }
  return v;
}

bool MapReader::boolean(std::string_view key, bool def) {
  const YAML::Node n = get(key);
  if (!n.IsDefined() || n.IsNull()) return def;
  if (n.IsScalar()) {
    if (auto b = parseBool(n.Scalar())) return *b;
  }
  typeError(n, key, "true or false");
  return def;
}

std::vector<std::string> MapReader::strList(std::string_view key) {
  const YAML::Node n = get(key);
  std::vector<std::string> out;
  if (!n.IsDefined() || n.IsNull()) return out;
  if (n.IsScalar()) {
    out.push_back(n.Scalar());
    return out;
  }
  if (!n.IsSequence()) {
    typeError(n, key, "a list of strings");
    return out;
  }
  for (std::size_t i = 0; i < n.size(); ++i) {
    const YAML::Node item = n[i];
    if (!item.IsScalar()) {
      errorAt(item, fmt::format("{}[{}]", keyPath(key), i), fmt::format("expected a string, got {}", nodeKind(item)));
      continue;
    }
    out.push_back(item.Scalar());
  }
  return out;
}

Secret MapReader::secret(std::string_view key) {
  Secret s;
  const std::string file_key = fmt::format("{}_file", key);
  const YAML::Node inline_node = get(key);
  const std::string value = str(key, "");
  s.file = str(file_key, "");
  if (!value.empty() && !s.file.empty()) {
    errorKey(file_key, fmt::format("give either '{}' or '{}', not both", key, file_key));
  }
  if (value.size() > 3 && value.rfind("${", 0) == 0 && value.back() == '}') {
    s.env = value.substr(2, value.size() - 3);
    if (std::getenv(s.env.c_str()) == nullptr) {
      warnKey(key, fmt::format("environment variable {} is not set now; it is read again at every use", s.env));
    }
  } else if (!value.empty()) {
    s.value = value;
  }
  if (!s.file.empty()) {
    if (::access(s.file.c_str(), R_OK) != 0) {
      const int err = errno;
      errorKey(file_key, fmt::format("cannot read {}: {}", s.file, std::strerror(err)));
    }
  }
  return s;
}

std::string MapReader::existingFile(std::string_view key, bool directory) {
  const std::string path = str(key, "");
  if (path.empty()) return path;
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) {
    errorKey(key, fmt::format("{} not found: {}", directory ? "directory" : "file", path));
  } else if (directory && !std::filesystem::is_directory(status)) {
    errorKey(key, fmt::format("not a directory: {}", path));
  } else if (!directory && std::filesystem::is_directory(status)) {
    errorKey(key, fmt::format("is a directory, expected a file: {}", path));
  } else if (::access(path.c_str(), R_OK) != 0) {
    const int err = errno;
    errorKey(key, fmt::format("cannot read {}: {}", path, std::strerror(err)));
  }
  return path;
}

YAML::Node MapReader::child(std::string_view key) { return get(key); }

MapReader MapReader::map(std::string_view key) { return MapReader(diag_, get(key), keyPath(key)); }

void MapReader::allow(std::initializer_list<std::string_view> keys) {
  for (auto k : keys) known_.emplace(k);
}

void MapReader::finish() {
  if (!valid_) return;
  std::vector<std::string> known(known_.begin(), known_.end());
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    const YAML::Node key = it->first;
    const std::string name = key.IsScalar() ? key.Scalar() : std::string("?");
    if (known_.count(name) != 0) continue;
    std::string message = "unknown key";
    if (auto s = closestMatch(name, known)) message += fmt::format(" (did you mean '{}'?)", *s);
    diag_.error(lineOf(key), columnOf(key), keyPath(name), message);
  }
}

}  // namespace tgw::config
