#include "decode/obd2/obd2.hpp"

#include <algorithm>
#include <cstring>

namespace tgw::decode::obd2 {
namespace {

constexpr PidInfo kPids[] = {
    {0x04, "engine_load", "%", 1},
    {0x05, "coolant_temperature", "degC", 1},
    {0x0C, "engine_rpm", "rpm", 2},
    {0x0D, "vehicle_speed", "km/h", 1},
    {0x0F, "intake_air_temperature", "degC", 1},
    {0x10, "maf_rate", "g/s", 2},
    {0x11, "throttle_position", "%", 1},
    {0x2F, "fuel_level", "%", 1},
    {0x42, "control_module_voltage", "V", 2},
    {0x46, "ambient_air_temperature", "degC", 1},
};

CanFrame makeFrame(std::uint32_t id, std::initializer_list<std::uint8_t> bytes) {
  CanFrame f;
  f.id = id;
  f.len = 8;
  f.data.fill(kPad);
  std::copy(bytes.begin(), bytes.end(), f.data.begin());
  return f;
}

}  // namespace

std::span<const PidInfo> supportedPids() { return kPids; }

const PidInfo* pidInfo(std::uint8_t pid) {
  for (const auto& p : kPids) {
    if (p.pid == pid) return &p;
  }
  return nullptr;
}

std::optional<double> decodePid(std::uint8_t pid, std::span<const std::uint8_t> b) {
  const PidInfo* info = pidInfo(pid);
  if (info == nullptr || b.size() < info->bytes) return std::nullopt;
  const double a = b[0];
  const double ab = info->bytes >= 2 ? 256.0 * b[0] + b[1] : 0.0;
  switch (pid) {
    case 0x04: case 0x11: case 0x2F: return a * 100.0 / 255.0;
    case 0x05: case 0x0F: case 0x46: return a - 40.0;
    case 0x0C: return ab / 4.0;
    case 0x0D: return a;
    case 0x10: return ab / 100.0;
    case 0x42: return ab / 1000.0;
    default: return std::nullopt;
  }
}

bool parseMode01Response(std::span<const std::uint8_t> p, std::vector<PidValue>& out) {
  if (p.size() < 3 || p[0] != 0x41) return false;
  std::size_t i = 1;
  const std::size_t before = out.size();
  while (i < p.size()) {
    const PidInfo* info = pidInfo(p[i]);
    if (info == nullptr || i + 1 + info->bytes > p.size()) {
      // Unknown PID or padding after the last value: keep what was decoded.
      return out.size() > before;
    }
    out.push_back({info->pid, *decodePid(info->pid, p.subspan(i + 1, info->bytes))});
    i += 1U + info->bytes;
  }
  return true;
}

IsoTpReceiver::Result IsoTpReceiver::feed(std::span<const std::uint8_t> f, std::int64_t ts_ms) {
  if (f.empty()) return Result::kError;
  const std::uint8_t type = f[0] >> 4;
  if (type == 0) {  // single frame
    const std::size_t len = f[0] & 0x0F;
    active_ = false;
    if (len == 0 || len > 7 || len + 1 > f.size()) return Result::kError;
    payload_.assign(f.begin() + 1, f.begin() + 1 + static_cast<std::ptrdiff_t>(len));
    return Result::kComplete;
  }
  if (type == 1) {  // first frame
    if (f.size() < 8) return Result::kError;
    expected_ = (static_cast<std::size_t>(f[0] & 0x0F) << 8) | f[1];
    if (expected_ < 8) {
      active_ = false;
      return Result::kError;
    }
    payload_.assign(f.begin() + 2, f.begin() + 8);
    next_seq_ = 1;
    last_ms_ = ts_ms;
    active_ = true;
    return Result::kFlowControl;
  }
  if (type == 2) {  // consecutive frame
    if (!active_) return Result::kError;
    if ((f[0] & 0x0F) != next_seq_ || ts_ms - last_ms_ > kTimeoutMs) {
      active_ = false;
      return Result::kError;
    }
    const std::size_t take = std::min<std::size_t>(f.size() - 1, expected_ - payload_.size());
    payload_.insert(payload_.end(), f.begin() + 1, f.begin() + 1 + static_cast<std::ptrdiff_t>(take));
    next_seq_ = static_cast<std::uint8_t>((next_seq_ + 1) & 0x0F);
    last_ms_ = ts_ms;
    if (payload_.size() >= expected_) {
      active_ = false;
      return Result::kComplete;
    }
    return Result::kNone;
  }
  return Result::kNone;  // flow control from the other side: not for a receiver
}

Obd2Decoder::Obd2Decoder(Obd2Options options, std::string prefix, const SignalSelection& selection)
    : opt_(std::move(options)), prefix_(std::move(prefix)) {
  std::vector<std::uint8_t> pids;
  for (auto pid : opt_.pids) {
    const PidInfo* info = pidInfo(pid);
    if (info == nullptr || std::find(pids.begin(), pids.end(), pid) != pids.end()) continue;
    PidState& st = state_[pid];
    const std::string local = std::string("obd2.") + info->name;
    st.name = prefix_.empty() ? local : prefix_ + "." + local;
    st.selected = selection.selected(local);
    if (st.selected) pids.push_back(pid);
  }
  opt_.pids = std::move(pids);
}

std::vector<std::string> Obd2Decoder::catalog() const {
  std::vector<std::string> names;
  for (const auto& p : kPids) names.push_back(std::string("obd2.") + p.name);
  return names;
}

void Obd2Decoder::emit(DecodeOutput& out, std::uint8_t pid, double value, int quality, std::int64_t ts_ms) {
  auto it = state_.find(pid);
  if (it == state_.end() || !it->second.selected) return;
  Signal& s = out.signals.emplace_back();
  s.name = it->second.name;
  s.value = value;
  s.unit = pidInfo(pid)->unit;
  s.ts_ms = ts_ms;
  s.quality = quality;
}

bool Obd2Decoder::decode(const CanFrame& frame, std::int64_t ts_ms, DecodeOutput& out) {
  if (frame.extended || frame.id < kFirstResponseId || frame.id > kLastResponseId) return false;
  if (frame.remote || frame.fd) {
    out.issues.push_back({frame.remote ? Issue::kRemote : Issue::kFdOnClassic, frame.id});
    return true;
  }
  IsoTpReceiver& rx = rx_[frame.id];
  const auto r = rx.feed(std::span<const std::uint8_t>(frame.data.data(), frame.len), ts_ms);
  if (r == IsoTpReceiver::Result::kError) {
    out.issues.push_back({frame.len == 0 ? Issue::kDlcMismatch : Issue::kTransport, frame.id});
    return true;
  }
  if (r == IsoTpReceiver::Result::kFlowControl) {
    out.tx.push_back(makeFrame(frame.id - 8, {0x30, 0x00, 0x00}));  // continue to send, no block limit, no gap
    return true;
  }
  if (r != IsoTpReceiver::Result::kComplete) return true;
  const auto& p = rx.payload();
  if (p.size() >= 2 && p[0] == 0x7F) {  // negative response: the PID is not supported
    if (outstanding_) {
      ++no_response_;
      out.issues.push_back({Issue::kNoResponse, frame.id});
      outstanding_.reset();
    }
    return true;
  }
  scratch_.clear();
  if (!parseMode01Response(p, scratch_)) {
    out.issues.push_back({Issue::kMalformed, frame.id});
    return true;
  }
  for (const auto& v : scratch_) {
    auto it = state_.find(v.pid);
    if (it == state_.end()) continue;
    it->second.last = v.value;
    it->second.misses = 0;
    emit(out, v.pid, v.value, 100, ts_ms);
    if (outstanding_ && *outstanding_ == v.pid) outstanding_.reset();
  }
  return true;
}

void Obd2Decoder::sendNext(MonoTime now, DecodeOutput& out) {
  if (cursor_ >= opt_.pids.size()) {
    in_cycle_ = false;
    return;
  }
  const std::uint8_t pid = opt_.pids[cursor_++];
  out.tx.push_back(makeFrame(kRequestId, {0x02, 0x01, pid}));
  outstanding_ = pid;
  sent_at_ = now;
  ++requests_;
}

void Obd2Decoder::tick(MonoTime now, std::int64_t ts_ms, DecodeOutput& out) {
  if (opt_.pids.empty() || !opt_.poll) return;
  if (outstanding_ && now - sent_at_ >= std::chrono::milliseconds(opt_.timeout_ms)) {
    const std::uint8_t pid = *outstanding_;
    outstanding_.reset();
    ++no_response_;
    out.issues.push_back({Issue::kNoResponse, kRequestId});
    PidState& st = state_[pid];
    ++st.misses;
    // The last value again with a lower quality: 50 after a miss, 0 once stale.
    if (st.last && st.misses <= opt_.stale_after) {
      emit(out, pid, *st.last, st.misses >= opt_.stale_after ? 0 : 50, ts_ms);
    }
  }
  if (outstanding_) return;
  if (in_cycle_ && cursor_ >= opt_.pids.size()) in_cycle_ = false;
  if (!in_cycle_ && (!next_cycle_ || now >= *next_cycle_)) {
    in_cycle_ = true;
    cursor_ = 0;
    next_cycle_ = now + std::chrono::milliseconds(opt_.interval_ms);
  }
  if (in_cycle_) sendNext(now, out);
}

int fuzzObd2(const std::uint8_t* data, std::size_t size) {
  Obd2Decoder dec({}, "fuzz");
  DecodeOutput out;
  for (std::size_t off = 0; off + 9 <= size; off += 9) {
    CanFrame f;
    f.id = kFirstResponseId + (data[off] & 0x07);
    f.len = static_cast<std::uint8_t>((data[off] >> 3) % 9);
    std::memcpy(f.data.data(), data + off + 1, 8);
    out.clear();
    dec.decode(f, static_cast<std::int64_t>(off), out);
  }
  return 0;
}

}  // namespace tgw::decode::obd2
