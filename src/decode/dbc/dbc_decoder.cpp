#include "decode/dbc/dbc_decoder.hpp"

namespace tgw::decode::dbc {

std::string joinName(const std::string& prefix, std::string_view message, std::string_view signal) {
  std::string s;
  s.reserve(prefix.size() + message.size() + signal.size() + 2);
  if (!prefix.empty()) {
    s += prefix;
    s += '.';
  }
  s += message;
  s += '.';
  s += signal;
  return s;
}

CompiledNames::CompiledNames(const Database& db, const std::string& prefix, const SignalSelection& selection) {
  names.resize(db.messages.size());
  selected.resize(db.messages.size());
  any_selected.assign(db.messages.size(), 0);
  for (std::size_t m = 0; m < db.messages.size(); ++m) {
    const auto& msg = db.messages[m];
    for (const auto& s : msg.signals) {
      names[m].push_back(joinName(prefix, msg.name, s.name));
      const bool sel = selection.selected(joinName("", msg.name, s.name));
      selected[m].push_back(sel ? 1 : 0);
      if (sel) any_selected[m] = 1;
    }
  }
}

DbcDecoder::DbcDecoder(std::shared_ptr<const Database> db, const std::string& prefix, const SignalSelection& selection)
    : db_(std::move(db)), names_(*db_, prefix, selection) {}

bool DbcDecoder::decode(const CanFrame& frame, std::int64_t ts_ms, DecodeOutput& out) {
  auto it = db_->by_id.find((frame.extended ? 0x80000000U : 0U) | frame.id);
  if (it == db_->by_id.end()) return false;
  const std::size_t mi = it->second;
  const MessageDef& msg = db_->messages[mi];
  if (frame.remote) {
    out.issues.push_back({Issue::kRemote, frame.id});
    return true;
  }
  if (frame.fd && !msg.fd) {
    out.issues.push_back({Issue::kFdOnClassic, frame.id});
    return true;
  }
  if (!names_.any_selected[mi]) return true;
  scratch_.clear();
  const auto st = decodeMessage(msg, std::span<const std::uint8_t>(frame.data.data(), frame.len), true, scratch_);
  if (st != DecodeStatus::kOk) {
    out.issues.push_back({Issue::kDlcMismatch, frame.id});
    return true;
  }
  for (const auto& v : scratch_) {
    if (!names_.selected[mi][v.signal]) continue;
    if (!v.in_range) {
      out.issues.push_back({Issue::kOutOfRange, frame.id});
      continue;
    }
    const SignalDef& s = msg.signals[v.signal];
    Signal& sig = out.signals.emplace_back();
    sig.name = names_.names[mi][v.signal];
    sig.value = v.value;
    sig.unit = s.unit;
    sig.ts_ms = ts_ms;
  }
  return true;
}

std::vector<CanFilter> DbcDecoder::filters() const {
  std::vector<CanFilter> f;
  for (std::size_t m = 0; m < db_->messages.size(); ++m) {
    if (!names_.any_selected[m]) continue;
    const auto& msg = db_->messages[m];
    f.push_back({msg.id, msg.extended ? kExtIdMask : kStdIdMask, msg.extended});
  }
  return f;
}

std::vector<std::string> DbcDecoder::catalog() const {
  std::vector<std::string> names;
  for (const auto& msg : db_->messages) {
    for (const auto& s : msg.signals) names.push_back(joinName("", msg.name, s.name));
  }
  return names;
}

}  // namespace tgw::decode::dbc
