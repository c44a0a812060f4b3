// Reading one YAML mapping with position-aware diagnostics. Every key read
// is remembered; finish() reports the rest as unknown keys with the closest
// known key suggested. Wrong types and out-of-range values are errors, never
// silently skipped.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "tgw/config/diagnostics.hpp"
#include "tgw/config/secret.hpp"

namespace tgw::config {

// Closest candidate by edit distance, if it is close enough to be a likely typo.
std::optional<std::string> closestMatch(std::string_view word, const std::vector<std::string>& candidates);

class MapReader {
 public:
  // `node` may be null/undefined (section absent): every getter returns its default.
  MapReader(Diagnostics& diag, const YAML::Node& node, std::string path);

  [[nodiscard]] bool present() const { return valid_; }
  [[nodiscard]] bool has(std::string_view key) const;
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] Diagnostics& diag() { return diag_; }

  std::string str(std::string_view key, std::string def);
  std::string requiredStr(std::string_view key);
  std::string choice(std::string_view key, std::string def, const std::vector<std::string_view>& allowed);
  std::int64_t integer(std::string_view key, std::int64_t def, std::int64_t min, std::int64_t max);
  double number(std::string_view key, double def, double min, double max);
  bool boolean(std::string_view key, bool def);
  std::vector<std::string> strList(std::string_view key);
  // Reads `<key>` (inline or ${ENV}) and `<key>_file`.
  Secret secret(std::string_view key);
  // A file path that must exist and be readable (checked now, reported as error).
  std::string existingFile(std::string_view key, bool directory = false);
  // The raw child node (marks the key as known). Null node if absent.
  YAML::Node child(std::string_view key);
  // A nested mapping reader; reports a type error if present but not a map.
  MapReader map(std::string_view key);

  // Position helpers for callers reporting their own errors.
  void errorAt(const YAML::Node& node, const std::string& path, const std::string& message);
  void errorKey(std::string_view key, const std::string& message);
  void warnKey(std::string_view key, const std::string& message);
  [[nodiscard]] std::string keyPath(std::string_view key) const;

  // Report keys that were never read. Call once, after reading everything.
  void finish();
  // Marks keys as known without reading them (handled elsewhere).
  void allow(std::initializer_list<std::string_view> keys);

 private:
  YAML::Node get(std::string_view key);
  void typeError(const YAML::Node& node, std::string_view key, std::string_view expected);

  Diagnostics& diag_;
  YAML::Node node_;
  std::string path_;
  bool valid_ = false;
  std::set<std::string, std::less<>> known_;
};

// Line/column (1-based) of a node, or 0/0 if it has none.
int lineOf(const YAML::Node& node);
int columnOf(const YAML::Node& node);
std::string joinPath(std::string_view parent, std::string_view key);

}  // namespace tgw::config
