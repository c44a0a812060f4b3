#include "decode/j1939/j1939.hpp"

#include <algorithm>
#include <cstring>

namespace tgw::decode::j1939 {

J1939Id parseId(std::uint32_t id29) noexcept {
  J1939Id j;
  j.priority = static_cast<std::uint8_t>((id29 >> 26) & 0x7);
  const std::uint32_t dp = (id29 >> 24) & 0x3;  // EDP + DP
  const std::uint32_t pf = (id29 >> 16) & 0xFF;
  const std::uint32_t ps = (id29 >> 8) & 0xFF;
  j.source = static_cast<std::uint8_t>(id29 & 0xFF);
  j.pdu1 = pf < 240;
  if (j.pdu1) {
    j.pgn = (dp << 16) | (pf << 8);
    j.destination = static_cast<std::uint8_t>(ps);
  } else {
    j.pgn = (dp << 16) | (pf << 8) | ps;
    j.destination = kGlobal;
  }
  return j;
}

bool notAvailable(std::uint64_t raw, unsigned length) noexcept {
  if (length <= 1 || length > 64) return false;
  if (length < 8) return raw >= (std::uint64_t{1} << length) - 2;
  const unsigned low = length - 8;
  const std::uint64_t low_mask = low >= 64 ? ~std::uint64_t{0} : ((std::uint64_t{1} << low) - 1);
  const std::uint64_t valid_max = (std::uint64_t{0xFA} << low) | low_mask;
  return raw > valid_max;
}

std::string_view builtinDbc() {
  return R"(VERSION ""
BS_:
BU_:
BO_ 2364540158 EEC1: 8 Vector__XXX
 SG_ EngineSpeed : 24|16@1+ (0.125,0) [0|8031.875] "rpm" Vector__XXX
BO_ 2364539902 EEC2: 8 Vector__XXX
 SG_ AccelPedalPos1 : 8|8@1+ (0.4,0) [0|100] "%" Vector__XXX
BO_ 2566844926 CCVS1: 8 Vector__XXX
 SG_ WheelBasedVehicleSpeed : 8|16@1+ (0.00390625,0) [0|250.99609375] "km/h" Vector__XXX
BO_ 2566847742 DD1: 8 Vector__XXX
 SG_ FuelLevel1 : 8|8@1+ (0.4,0) [0|100] "%" Vector__XXX
BO_ 2566845182 LFE1: 8 Vector__XXX
 SG_ EngineFuelRate : 0|16@1+ (0.05,0) [0|3212.75] "L/h" Vector__XXX
BA_ "SPN" SG_ 2364540158 EngineSpeed 190;
BA_ "SPN" SG_ 2364539902 AccelPedalPos1 91;
BA_ "SPN" SG_ 2566844926 WheelBasedVehicleSpeed 84;
BA_ "SPN" SG_ 2566847742 FuelLevel1 96;
BA_ "SPN" SG_ 2566845182 EngineFuelRate 183;
)";
}

std::shared_ptr<const dbc::Database> builtinDatabase() {
  static const std::shared_ptr<const dbc::Database> db =
      std::make_shared<const dbc::Database>(dbc::parseDbc(builtinDbc()).db);
  return db;
}

bool TransportReassembler::feed(const J1939Id& id, std::span<const std::uint8_t> data, std::int64_t ts_ms,
                                std::optional<Completed>& done, std::vector<IssueReport>& issues) {
  const std::uint32_t pgn_report = id.pgn;
  if (id.pgn == kPgnTpCm) {
    if (data.size() < 8) {
      issues.push_back({Issue::kTransport, pgn_report});
      return true;
    }
    const std::uint8_t control = data[0];
    const std::uint16_t key = static_cast<std::uint16_t>((id.source << 8) | id.destination);
    if (control == 0x20 || control == 0x10) {  // BAM / RTS: a new session
      Session s;
      s.size = static_cast<std::uint16_t>(data[1] | (data[2] << 8));
      s.packets = data[3];
      s.pgn = static_cast<std::uint32_t>(data[5] | (data[6] << 8) | (data[7] << 16));
      s.last_ms = ts_ms;
      const unsigned need = (s.size + 6U) / 7U;
      if (s.size < 9 || s.size > 1785 || s.packets != need) {
        issues.push_back({Issue::kTransport, pgn_report});
        sessions_.erase(key);
        return true;
      }
      if (sessions_.count(key) != 0) issues.push_back({Issue::kTransport, pgn_report});  // replaced unfinished
      s.buf.assign(static_cast<std::size_t>(s.packets) * 7U, 0xFF);
      sessions_[key] = std::move(s);
    } else if (control == 0xFF) {  // abort, from either side
      sessions_.erase(key);
      sessions_.erase(static_cast<std::uint16_t>((id.destination << 8) | id.source));
      issues.push_back({Issue::kTransport, pgn_report});
    }
    // CTS (0x11) and EndOfMsgAck (0x13) need nothing from a listener.
    return true;
  }
  if (id.pgn != kPgnTpDt) return false;
  const std::uint16_t key = static_cast<std::uint16_t>((id.source << 8) | id.destination);
  auto it = sessions_.find(key);
  if (it == sessions_.end()) {
    issues.push_back({Issue::kTransport, pgn_report});  // data without announcement
    return true;
  }
  Session& s = it->second;
  if (data.size() < 8 || ts_ms - s.last_ms > kTimeoutMs) {
    issues.push_back({Issue::kTransport, pgn_report});
    sessions_.erase(it);
    return true;
  }
  const std::uint8_t seq = data[0];
  if (seq < s.next) return true;  // a CMDT retransmission of a packet we have
  if (seq != s.next) {
    issues.push_back({Issue::kTransport, pgn_report});
    sessions_.erase(it);
    return true;
  }
  std::memcpy(s.buf.data() + (seq - 1U) * 7U, data.data() + 1, 7);
  s.last_ms = ts_ms;
  ++s.next;
  if (s.next > s.packets) {
    Completed c;
    c.pgn = s.pgn;
    c.source = id.source;
    c.destination = id.destination;
    c.data.assign(s.buf.begin(), s.buf.begin() + s.size);
    done = std::move(c);
    sessions_.erase(it);
  }
  return true;
}

J1939Decoder::J1939Decoder(std::vector<std::shared_ptr<const dbc::Database>> dbcs, bool builtins,
                           const std::string& prefix, const SignalSelection& selection)
    : dbs_(std::move(dbcs)) {
  if (builtins) dbs_.push_back(builtinDatabase());
  for (std::size_t d = 0; d < dbs_.size(); ++d) {
    names_.emplace_back(*dbs_[d], prefix, selection);
    const auto& msgs = dbs_[d]->messages;
    for (std::size_t m = 0; m < msgs.size(); ++m) {
      if (!msgs[m].extended) continue;
      by_pgn_.try_emplace(parseId(msgs[m].id).pgn, Entry{d, m});
    }
  }
}

void J1939Decoder::decodePgn(const Entry& e, std::span<const std::uint8_t> data, std::uint32_t id,
                             std::int64_t ts_ms, DecodeOutput& out) {
  const dbc::MessageDef& msg = dbs_[e.db]->messages[e.message];
  const auto& names = names_[e.db];
  if (!names.any_selected[e.message]) return;
  if (data.size() < std::min<std::size_t>(msg.size, 8)) {
    out.issues.push_back({Issue::kDlcMismatch, id});
    return;
  }
  scratch_.clear();
  (void)dbc::decodeMessage(msg, data, false, scratch_);
  for (const auto& v : scratch_) {
    if (!names.selected[e.message][v.signal]) continue;
    const dbc::SignalDef& s = msg.signals[v.signal];
    if (s.type == dbc::ValueType::kInteger && !s.is_signed && notAvailable(v.raw, s.length)) {
      out.issues.push_back({Issue::kNotAvailable, id});
      continue;
    }
    if (!v.in_range) {
      out.issues.push_back({Issue::kOutOfRange, id});
      continue;
    }
    Signal& sig = out.signals.emplace_back();
    sig.name = names.names[e.message][v.signal];
    sig.value = v.value;
    sig.unit = s.unit;
    sig.ts_ms = ts_ms;
  }
}

bool J1939Decoder::decode(const CanFrame& frame, std::int64_t ts_ms, DecodeOutput& out) {
  if (!frame.extended) return false;
  const J1939Id jid = parseId(frame.id);
  std::span<const std::uint8_t> data(frame.data.data(), frame.len);
  if (jid.pgn == kPgnTpCm || jid.pgn == kPgnTpDt) {
    if (frame.remote) return true;
    std::optional<TransportReassembler::Completed> done;
    tp_.feed(jid, data, ts_ms, done, out.issues);
    if (done) {
      auto it = by_pgn_.find(done->pgn);
      if (it == by_pgn_.end()) {
        out.issues.push_back({Issue::kUnknownId, done->pgn});
      } else {
        decodePgn(it->second, done->data, done->pgn, ts_ms, out);
      }
    }
    return true;
  }
  auto it = by_pgn_.find(jid.pgn);
  if (it == by_pgn_.end()) return false;
  if (frame.remote) {
    out.issues.push_back({Issue::kRemote, frame.id});
    return true;
  }
  if (frame.fd && !dbs_[it->second.db]->messages[it->second.message].fd) {
    out.issues.push_back({Issue::kFdOnClassic, frame.id});
    return true;
  }
  decodePgn(it->second, data, frame.id, ts_ms, out);
  return true;
}

std::vector<CanFilter> J1939Decoder::filters() const {
  std::vector<CanFilter> f;
  f.push_back({kPgnTpCm << 8, 0x03FF0000, true});
  f.push_back({kPgnTpDt << 8, 0x03FF0000, true});
  for (const auto& [pgn, e] : by_pgn_) {
    if (!names_[e.db].any_selected[e.message]) continue;
    const bool pdu1 = ((pgn >> 8) & 0xFF) < 240;
    f.push_back({pgn << 8, pdu1 ? 0x03FF0000U : 0x03FFFF00U, true});
  }
  return f;
}

std::vector<std::string> J1939Decoder::catalog() const {
  std::vector<std::string> out;
  for (const auto& [pgn, e] : by_pgn_) {
    const auto& msg = dbs_[e.db]->messages[e.message];
    for (const auto& s : msg.signals) out.push_back(dbc::joinName("", msg.name, s.name));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

int fuzzJ1939(const std::uint8_t* data, std::size_t size) {
  J1939Decoder dec({}, true, "fuzz");
  DecodeOutput out;
  std::int64_t ts = 0;
  for (std::size_t off = 0; off + 13 <= size; off += 13) {
    CanFrame f;
    f.extended = true;
    f.id = static_cast<std::uint32_t>(data[off] | (data[off + 1] << 8) | (data[off + 2] << 16) | (data[off + 3] << 24)) &
           kExtIdMask;
    f.len = static_cast<std::uint8_t>(data[off + 4] % 9);
    std::memcpy(f.data.data(), data + off + 5, 8);
    out.clear();
    dec.decode(f, ts, out);
    ts += data[off + 4];
  }
  return 0;
}

}  // namespace tgw::decode::j1939
