// DBC parser: line oriented, one statement at a time; statements that end in
// ';' (CM_, BA_, VAL_ ...) may span lines. Never throws; bad lines are issues.
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "decode/can/bits.hpp"
#include "decode/dbc/dbc.hpp"
#include "decode/dbc/dbc_cursor.hpp"

namespace tgw::decode::dbc {
namespace {

constexpr std::uint32_t kExtendedFlag = 0x80000000U;
constexpr std::uint32_t kIndependentSignals = 0xC0000000U;  // VECTOR__INDEPENDENT_SIG_MSG
constexpr double kMaxSpn = 524287;  // 19 bits

using detail::Cursor;

bool endsStatementWithSemicolon(std::string_view kw) {
  static constexpr std::string_view kSingleLine[] = {"VERSION", "NS_", "BS_", "BU_", "BO_", "SG_", "NS_DESC_"};
  for (auto k : kSingleLine) {
    if (kw == k) return false;
  }
  return true;
}

// True once `text` holds a ';' outside double quotes.
bool hasTerminator(std::string_view text) {
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted && c == '\\') {
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (!quoted && c == ';') {
      return true;
    }
  }
  return false;
}

class Parser {
 public:
  ParseResult run(std::string_view text);

 private:
  void statement(std::string_view kw, std::string_view body, int line);
  void parseMessage(Cursor& c, int line);
  void parseSignal(Cursor& c, int line);
  void parseValues(Cursor& c, int line);
  void parseValType(Cursor& c, int line);
  void parseAttribute(Cursor& c, int line);
  void issue(int line, std::string msg) { result_.issues.push_back({line, std::move(msg)}); }
  MessageDef* messageByRawId(std::uint64_t raw);
  SignalDef* signalOf(MessageDef& m, std::string_view name);

  ParseResult result_;
  std::unordered_map<std::uint32_t, std::size_t> raw_ids_;  // DBC id -> message index
  int current_ = -1;                                         // message taking SG_ lines; -1 none, -2 skipped
};

ParseResult Parser::run(std::string_view text) {
  int line_no = 0;
  bool in_ns = false;
  std::string pending;  // a multi-line statement being gathered
  std::string_view pending_kw;
  int pending_line = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_no;
    if (!pending.empty()) {
      pending += '\n';
      pending += line;
      if (hasTerminator(pending)) {
        statement(pending_kw, pending, pending_line);
        pending.clear();
      }
      if (eol == text.size()) break;
      continue;
    }
    Cursor c(line);
    std::string_view kw;
    const bool indented = !line.empty() && (line[0] == ' ' || line[0] == '\t');
    if (c.done() || line.find_first_not_of(" \t\r") == line.find("//")) {
      if (eol == text.size()) break;
      continue;
    }
    if (!c.ident(kw)) {
      issue(line_no, fmt::format("unexpected text '{}'", line.substr(0, 40)));
      if (eol == text.size()) break;
      continue;
    }
    if (in_ns) {
      if (indented && c.done()) {
        if (eol == text.size()) break;
        continue;  // a symbol listed in NS_
      }
      in_ns = false;
    }
    if (kw == "NS_") {
      in_ns = true;
    } else if (endsStatementWithSemicolon(kw) && !hasTerminator(line)) {
      pending = std::string(line);
      pending_kw = kw;  // points into `text`, which outlives the loop
      pending_line = line_no;
    } else {
      statement(kw, line, line_no);
    }
    if (eol == text.size()) break;
  }
  if (!pending.empty()) issue(pending_line, "statement not terminated by ';' before the end of the file");
  return std::move(result_);
}

void Parser::statement(std::string_view kw, std::string_view body, int line) {
  Cursor c(body);
  std::string_view skip;
  c.ident(skip);  // the keyword itself
  if (kw == "BO_") {
    parseMessage(c, line);
  } else if (kw == "SG_") {
    parseSignal(c, line);
  } else if (kw == "VAL_") {
    parseValues(c, line);
  } else if (kw == "SIG_VALTYPE_") {
    parseValType(c, line);
  } else if (kw == "BA_") {
    parseAttribute(c, line);
  } else if (kw == "VERSION" || kw == "BS_" || kw == "BU_" || kw == "NS_DESC_" || !endsStatementWithSemicolon(kw)) {
    current_ = kw == "BU_" || kw == "BS_" || kw == "VERSION" ? -1 : current_;
  } else {
    // CM_, BA_DEF_, VAL_TABLE_, SG_MUL_VAL_, BO_TX_BU_, EV_ ... : not needed for decoding.
    current_ = -1;
  }
}

void Parser::parseMessage(Cursor& c, int line) {
  current_ = -2;
  std::uint64_t raw = 0;
  std::string_view name;
  std::uint64_t size = 0;
  if (!c.u64(raw) || raw > 0xFFFFFFFFULL || !c.ident(name) || !c.accept(':') || !c.u64(size)) {
    issue(line, "malformed BO_ line (expected: BO_ <id> <name>: <size> <transmitter>)");
    return;
  }
  if (raw == kIndependentSignals) return;  // pseudo message for unassigned signals
  MessageDef m;
  m.extended = (raw & kExtendedFlag) != 0;
  m.id = static_cast<std::uint32_t>(raw & ~kExtendedFlag);
  if ((m.extended && m.id > 0x1FFFFFFF) || (!m.extended && m.id > 0x7FF)) {
    issue(line, fmt::format("BO_ {}: id does not fit an {} CAN id", raw, m.extended ? "extended" : "standard"));
    return;
  }
  if (size > 64) {
    issue(line, fmt::format("BO_ {}: size {} is larger than 64 bytes", name, size));
    return;
  }
  m.name = std::string(name);
  m.size = static_cast<unsigned>(size);
  m.fd = size > 8;
  std::string_view tx;
  if (c.ident(tx)) m.transmitter = std::string(tx);
  m.line = line;
  const std::uint32_t key = (m.extended ? kExtendedFlag : 0U) | m.id;
  if (result_.db.by_id.count(key) != 0) {
    issue(line, fmt::format("BO_ {}: id {} is already defined by message '{}'", m.name, raw,
                            result_.db.messages[result_.db.by_id[key]].name));
    return;
  }
  result_.db.by_id[key] = result_.db.messages.size();
  raw_ids_[static_cast<std::uint32_t>(raw)] = result_.db.messages.size();
  result_.db.messages.push_back(std::move(m));
  current_ = static_cast<int>(result_.db.messages.size() - 1);
}

void Parser::parseSignal(Cursor& c, int line) {
  if (current_ == -2) return;  // signals of a skipped message
  if (current_ < 0) {
    issue(line, "SG_ outside a BO_ message");
    return;
  }
  MessageDef& m = result_.db.messages[static_cast<std::size_t>(current_)];
  SignalDef s;
  s.line = line;
  std::string_view name;
  if (!c.ident(name)) {
    issue(line, "malformed SG_ line: missing signal name");
    return;
  }
  s.name = std::string(name);
  std::string_view mux;
  if (!c.peek(':')) {
    if (!c.ident(mux)) {
      issue(line, fmt::format("malformed SG_ {}: expected ':' after the name", name));
      return;
    }
    if (mux == "M") {
      s.mux = MuxRole::kMultiplexor;
    } else if (mux.size() >= 2 && mux[0] == 'm') {
      std::string_view digits = mux.substr(1);
      if (digits.back() == 'M') digits.remove_suffix(1);  // extended multiplexing: treated as multiplexed
      std::uint32_t v = 0;
      auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
      if (ec != std::errc() || p != digits.data() + digits.size()) {
        issue(line, fmt::format("SG_ {}: bad multiplexer indicator '{}'", name, mux));
        return;
      }
      s.mux = MuxRole::kMultiplexed;
      s.mux_value = v;
    } else {
      issue(line, fmt::format("SG_ {}: bad multiplexer indicator '{}'", name, mux));
      return;
    }
  }
  std::uint64_t start = 0;
  std::uint64_t len = 0;
  std::uint64_t order = 0;
  if (!c.accept(':') || !c.u64(start) || !c.accept('|') || !c.u64(len) || !c.accept('@') || !c.u64(order)) {
    issue(line, fmt::format("malformed SG_ {} (expected: <start>|<length>@<order><sign>)", name));
    return;
  }
  const char sign = c.next();
  if ((order != 0 && order != 1) || (sign != '+' && sign != '-')) {
    issue(line, fmt::format("SG_ {}: byte order must be @0 or @1 followed by + or -", name));
    return;
  }
  if (!c.accept('(') || !c.number(s.factor) || !c.accept(',') || !c.number(s.offset) || !c.accept(')') ||
      !c.accept('[') || !c.number(s.min) || !c.accept('|') || !c.number(s.max) || !c.accept(']') ||
      !c.str(s.unit)) {
    issue(line, fmt::format("malformed SG_ {} (expected: (<factor>,<offset>) [<min>|<max>] \"<unit>\")", name));
    return;
  }
  if (len < 1 || len > 64 || start > 511) {
    issue(line, fmt::format("SG_ {}: start {} / length {} out of range (length 1..64, start 0..511)", name, start,
                            len));
    return;
  }
  s.start = static_cast<unsigned>(start);
  s.length = static_cast<unsigned>(len);
  s.order = order == 1 ? ByteOrder::kIntel : ByteOrder::kMotorola;
  s.is_signed = sign == '-';
  if (s.order == ByteOrder::kIntel) {
    s.end_byte = intelEndByte(s.start, s.length);
  } else {
    const unsigned msb = (s.start / 8) * 8 + (7 - s.start % 8);
    if (msb + s.length > 512) {
      issue(line, fmt::format("SG_ {}: big-endian signal runs past 64 bytes", name));
      return;
    }
    s.end_byte = motorolaEndByte(s.start, s.length);
  }
  s.mask = s.length >= 64 ? ~std::uint64_t{0} : ((std::uint64_t{1} << s.length) - 1);
  if (s.order == ByteOrder::kIntel) {
    s.fits64 = s.start + s.length <= 64;
    s.shift64 = s.fits64 ? s.start : 0;
  } else {
    const unsigned msb = (s.start / 8) * 8 + (7 - s.start % 8);
    s.fits64 = msb + s.length <= 64;
    s.shift64 = s.fits64 ? 64 - msb - s.length : 0;
  }
  if (s.end_byte > m.size) {
    issue(line, fmt::format("SG_ {}: does not fit message {} of {} bytes", name, m.name, m.size));
    return;
  }
  if (signalOf(m, name) != nullptr) {
    issue(line, fmt::format("SG_ {}: defined twice in message {}", name, m.name));
    return;
  }
  if (s.mux == MuxRole::kMultiplexor) {
    if (m.multiplexor >= 0) {
      issue(line, fmt::format("SG_ {}: message {} already has multiplexor", name, m.name));
      return;
    }
    m.multiplexor = static_cast<int>(m.signals.size());
  }
  m.signals.push_back(std::move(s));
}

MessageDef* Parser::messageByRawId(std::uint64_t raw) {
  auto it = raw_ids_.find(static_cast<std::uint32_t>(raw));
  return it == raw_ids_.end() ? nullptr : &result_.db.messages[it->second];
}

SignalDef* Parser::signalOf(MessageDef& m, std::string_view name) {
  for (auto& s : m.signals) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

void Parser::parseValues(Cursor& c, int line) {
  std::uint64_t raw = 0;
  if (!c.u64(raw)) return;  // VAL_ of an environment variable
  std::string_view name;
  if (!c.ident(name)) {
    issue(line, "malformed VAL_ line: missing signal name");
    return;
  }
  MessageDef* m = messageByRawId(raw);
  SignalDef* s = m != nullptr ? signalOf(*m, name) : nullptr;
  if (s == nullptr) {
    if (raw != kIndependentSignals) issue(line, fmt::format("VAL_ {} {}: no such message signal", raw, name));
    return;
  }
  while (!c.peek(';') && !c.done()) {
    double v = 0;
    std::string text;
    if (!c.number(v) || !c.str(text)) {
      issue(line, fmt::format("malformed VAL_ {} {}: expected <value> \"<text>\" pairs", raw, name));
      return;
    }
    // Labels are for integer raw values; anything outside int64 (or NaN) is
    // a broken file, and converting it would be undefined behaviour.
    if (!(v >= -9.2e18 && v <= 9.2e18)) {
      issue(line, fmt::format("VAL_ {} {}: value {} is not a raw integer value; table ignored", raw, name, v));
      s->values.clear();
      return;
    }
    s->values.emplace_back(static_cast<std::int64_t>(v), std::move(text));
  }
}

void Parser::parseValType(Cursor& c, int line) {
  std::uint64_t raw = 0;
  std::string_view name;
  std::uint64_t type = 0;
  if (!c.u64(raw) || !c.ident(name)) {
    issue(line, "malformed SIG_VALTYPE_ line");
    return;
  }
  c.accept(':');
  if (!c.u64(type) || type > 2) {
    issue(line, fmt::format("SIG_VALTYPE_ {} {}: type must be 0, 1 (float) or 2 (double)", raw, name));
    return;
  }
  MessageDef* m = messageByRawId(raw);
  SignalDef* s = m != nullptr ? signalOf(*m, name) : nullptr;
  if (s == nullptr) {
    issue(line, fmt::format("SIG_VALTYPE_ {} {}: no such message signal", raw, name));
    return;
  }
  if ((type == 1 && s->length != 32) || (type == 2 && s->length != 64)) {
    issue(line, fmt::format("SIG_VALTYPE_ {} {}: a {} needs {} bits, the signal has {}", raw, name,
                            type == 1 ? "float" : "double", type == 1 ? 32 : 64, s->length));
    return;
  }
  s->type = type == 1 ? ValueType::kFloat32 : type == 2 ? ValueType::kFloat64 : ValueType::kInteger;
}

void Parser::parseAttribute(Cursor& c, int line) {
  std::string attr;
  std::string_view object;
  if (!c.str(attr) || !c.ident(object)) return;  // network attribute or something we do not use
  std::uint64_t raw = 0;
  if (object == "BO_" && attr == "VFrameFormat") {
    double v = 0;
    if (!c.u64(raw) || !c.number(v)) return;
    if (MessageDef* m = messageByRawId(raw); m != nullptr && (v == 14 || v == 15)) m->fd = true;
  } else if (object == "SG_" && attr == "SPN") {
    std::string_view name;
    double v = 0;
    if (!c.u64(raw) || !c.ident(name) || !c.number(v)) return;
    MessageDef* m = messageByRawId(raw);
    SignalDef* s = m != nullptr ? signalOf(*m, name) : nullptr;
    if (s == nullptr) return;
    if (!(v >= 0 && v <= kMaxSpn) || v != std::floor(v)) {  // SPNs are 19 bits (J1939-71)
      issue(line, fmt::format("BA_ \"SPN\" SG_ {} {}: {} is not an SPN (0..{}); ignored", raw, name, v, kMaxSpn));
      return;
    }
    s->spn = static_cast<std::uint32_t>(v);
  }
}

}  // namespace

const std::string* SignalDef::label(std::int64_t raw) const {
  for (const auto& [v, text] : values) {
    if (v == raw) return &text;
  }
  return nullptr;
}

const MessageDef* Database::find(std::uint32_t id, bool extended) const {
  auto it = by_id.find((extended ? kExtendedFlag : 0U) | id);
  return it == by_id.end() ? nullptr : &messages[it->second];
}

std::size_t Database::signalCount() const {
  std::size_t n = 0;
  for (const auto& m : messages) n += m.signals.size();
  return n;
}

ParseResult parseDbc(std::string_view text) { return Parser().run(text); }

Expected<ParseResult> loadDbcFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return tl::unexpected(errnoError(errno, fmt::format("DBC file {}: cannot open", path)));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return makeError(Errc::kIo, fmt::format("DBC file {}: read failed", path));
  ParseResult r = parseDbc(ss.str());
  if (r.db.messages.empty()) {
    std::string msg = fmt::format("DBC file {}: no message (BO_) could be read; is this a DBC file?", path);
    if (!r.issues.empty()) {
      msg += '\n';
      msg += formatIssues(path, r.issues);
    }
    return makeError(Errc::kParse, msg);
  }
  return r;
}

std::string formatIssues(const std::string& file, const std::vector<ParseIssue>& issues, std::size_t max) {
  std::string out;
  for (std::size_t i = 0; i < issues.size() && i < max; ++i) {
    if (!out.empty()) out += '\n';
    out += fmt::format("{}:{}: {}", file, issues[i].line, issues[i].message);
  }
  if (issues.size() > max) out += fmt::format("\n... and {} more", issues.size() - max);
  return out;
}

}  // namespace tgw::decode::dbc
