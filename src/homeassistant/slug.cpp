#include "homeassistant/slug.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <map>

namespace tgw::homeassistant {

std::string slugify(std::string_view text) {
  std::string out;
  bool pending = false;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    const bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
    if (keep) {
      if (pending && !out.empty()) out += '_';
      pending = false;
      out += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    } else {
      pending = true;
    }
  }
  return out.empty() ? std::string("x") : out;
}

std::vector<std::string> uniqueSlugs(const std::vector<std::string>& names) {
  std::map<std::string, std::map<std::string, int>> by_slug;  // slug -> distinct names
  std::vector<std::string> slugs;
  for (const auto& n : names) {
    slugs.push_back(slugify(n));
    by_slug[slugs.back()][n] = 1;
  }
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (by_slug[slugs[i]].size() < 2) continue;
    std::uint32_t h = 2166136261U;  // FNV-1a
    for (const char c : names[i]) {
      h ^= static_cast<unsigned char>(c);
      h *= 16777619U;
    }
    slugs[i] += fmt::format("_{:06x}", h & 0xFFFFFFU);
  }
  return slugs;
}

}  // namespace tgw::homeassistant
