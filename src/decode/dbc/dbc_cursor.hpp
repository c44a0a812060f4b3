// A cursor over one DBC statement: identifiers, numbers, quoted strings.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace tgw::decode::dbc::detail {

inline bool isIdentChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// A cursor over one statement.
class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  void ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\r' || s_[pos_] == '\n')) ++pos_;
  }
  bool done() {
    ws();
    return pos_ >= s_.size();
  }
  bool peek(char c) {
    ws();
    return pos_ < s_.size() && s_[pos_] == c;
  }
  bool accept(char c) {
    if (!peek(c)) return false;
    ++pos_;
    return true;
  }
  bool ident(std::string_view& out) {
    ws();
    const std::size_t b = pos_;
    while (pos_ < s_.size() && isIdentChar(s_[pos_])) ++pos_;
    out = s_.substr(b, pos_ - b);
    return !out.empty();
  }
  bool u64(std::uint64_t& out) {
    ws();
    const char* b = s_.data() + pos_;
    auto [p, ec] = std::from_chars(b, s_.data() + s_.size(), out);
    if (ec != std::errc() || p == b) return false;
    pos_ += static_cast<std::size_t>(p - b);
    return true;
  }
  bool number(double& out) {
    ws();
    if (pos_ < s_.size() && s_[pos_] == '+') ++pos_;  // from_chars rejects a leading '+'
    const char* b = s_.data() + pos_;
    auto [p, ec] = std::from_chars(b, s_.data() + s_.size(), out);
    if (ec != std::errc() || p == b) return false;
    pos_ += static_cast<std::size_t>(p - b);
    return true;
  }
  bool str(std::string& out) {
    ws();
    if (pos_ >= s_.size() || s_[pos_] != '"') return false;
    ++pos_;
    out.clear();
    while (pos_ < s_.size() && s_[pos_] != '"') {
      if (s_[pos_] == '\\' && pos_ + 1 < s_.size()) ++pos_;
      out.push_back(s_[pos_++]);
    }
    if (pos_ >= s_.size()) return false;
    ++pos_;
    return true;
  }
  char next() {
    ws();
    return pos_ < s_.size() ? s_[pos_++] : '\0';
  }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
};

}  // namespace tgw::decode::dbc::detail
