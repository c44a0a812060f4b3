#include "sources/nmea/nmea_source.hpp"

#include <fmt/format.h>

#include <fstream>

#include "core/logging.hpp"

namespace tgw::sources {

using decode::nmea::Problem;

NmeaSource::NmeaSource(const config::SourceConfig& cfg, const Clock& clock)
    : name_(cfg.name), cfg_(cfg.nmea), clock_(clock) {}

NmeaSource::~NmeaSource() { stop(); }

Expected<void> NmeaSource::start(EventLoop& loop, SignalSink& sink) {
  loop_ = &loop;
  sink_ = &sink;
  status_.state = SourceState::kStarting;
  if (!cfg_.replay_file.empty()) {
    std::ifstream in(cfg_.replay_file);
    if (!in) {
      return makeError(Errc::kNotFound, fmt::format("source '{}': cannot read NMEA replay file {}", name_,
                                                    cfg_.replay_file));
    }
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line.front() != '#') replay_.push_back(line + "\n");
    }
    status_.state = SourceState::kOnline;
    status_.detail = fmt::format("replaying {} ({} lines)", cfg_.replay_file, replay_.size());
    replay_timer_ = loop.after(std::chrono::milliseconds(0), [this] { replayStep(); });
    return {};
  }
  const auto& p = cfg_.port;
  serial::PortSettings ps{p.device, p.baud, p.data_bits, p.parity.empty() ? 'N' : p.parity[0], p.stop_bits};
  serial::LinkOptions lo;
  lo.reopen_max = std::chrono::milliseconds(p.reopen_max_ms);
  link_ = std::make_unique<serial::SerialLink>(ps, lo, "source." + name_, clock_);
  link_->start(
      loop, [this](std::string_view bytes) { feed(bytes); },
      [this](bool up, const std::string& detail) {
        splitter_.reset();
        status_.state = up ? SourceState::kOnline : SourceState::kOffline;
        status_.detail = detail;
        if (!up) ++status_.errors;
      });
  writer_.attach(loop, *link_);
  return {};
}

void NmeaSource::stop() {
  replay_timer_.reset();
  writer_.detach();  // pending writes: "source stopped"
  if (link_) link_->stop();
  link_.reset();
  if (status_.state != SourceState::kStopped) status_.state = SourceState::kStopped;
}

void NmeaSource::replayStep() {
  if (replay_.empty()) return;
  const bool burst = cfg_.replay_rate_hz <= 0;
  const std::size_t n = burst ? 200 : 1;
  for (std::size_t i = 0; i < n; ++i) {
    if (replay_pos_ >= replay_.size()) {
      if (!cfg_.replay_loop) {
        status_.detail = "replay finished";
        return;
      }
      replay_pos_ = 0;
    }
    feed(replay_[replay_pos_++]);
  }
  const auto delay = burst ? std::chrono::milliseconds(0)
                           : std::chrono::milliseconds(static_cast<std::int64_t>(1000.0 / cfg_.replay_rate_hz));
  replay_timer_ = loop_->after(delay, [this] { replayStep(); });
}

void NmeaSource::feed(std::string_view bytes) {
  splitter_.feed(bytes, [this](std::string_view line) { onLine(line); });
  if (splitter_.overlong() != overlong_seen_) {
    const auto n = splitter_.overlong() - overlong_seen_;
    overlong_seen_ = splitter_.overlong();
    counters_.overlong += n;
    status_.errors += n;
    problem(Problem::kTooLong, splitter_.pending().substr(0, 40));
  }
}

void NmeaSource::onLine(std::string_view line) {
  ++status_.frames;
  auto r = decode::nmea::decodeSentence(line);
  if (r.problem == Problem::kNone) {
    ++counters_.sentences;
    gps_.apply(r.update);
    emit(r.update);
    return;
  }
  if (r.problem == Problem::kUnsupported) {
    ++counters_.unsupported;
    return;
  }
  switch (r.problem) {
    case Problem::kBadChecksum: ++counters_.bad_checksum; break;
    case Problem::kNoStart:
    case Problem::kBadCharacter: ++counters_.garbage; break;
    case Problem::kTooLong: ++counters_.overlong; break;
    default: ++counters_.malformed; break;
  }
  ++status_.errors;
  problem(r.problem, line);
}

void NmeaSource::problem(Problem p, std::string_view line) {
  std::uint64_t suppressed = 0;
  if (!log_limit_.allow(toUnixMs(clock_.now()), suppressed)) return;
  std::string shown;
  for (char c : line.substr(0, 60)) {
    shown += (static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f)
                 ? std::string(1, c)
                 : fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
  }
  tgw::log::get("source." + name_)
      ->warn("NMEA input dropped ({}): '{}'; totals: {} bad checksum, {} malformed, {} garbage, {} overlong{}",
             decode::nmea::problemName(p), shown, counters_.bad_checksum, counters_.malformed, counters_.garbage,
             counters_.overlong, suppressed > 0 ? fmt::format(" ({} more not logged)", suppressed) : "");
}

void NmeaSource::emit(const decode::nmea::GpsUpdate& u) {
  const std::int64_t now = toUnixMs(clock_.now());
  batch_.clear();
  auto add = [&](const char* field, SignalValue v, const char* unit) {
    batch_.push_back(Signal{fmt::format("{}.{}", name_, field), std::move(v), unit, now, 100});
  };
  if (u.valid.has_value() || u.mode.has_value()) add("fix", static_cast<double>(gps_.fixMode()), "");
  if (u.lat && u.lon) {
    add("lat", *u.lat, "deg");
    add("lon", *u.lon, "deg");
  }
  if (gps_.hasFix()) {
    if (u.alt_m) add("alt", *u.alt_m, "m");
    if (u.speed_kmh) add("speed", *u.speed_kmh, "km/h");
    if (u.course_deg) add("course", *u.course_deg, "deg");
    if (u.hdop) add("hdop", *u.hdop, "");
    if (u.utc_ms && u.valid == true) add("utc_ms", static_cast<double>(*u.utc_ms), "ms");
  }
  if (u.satellites) add("satellites", static_cast<double>(*u.satellites), "");
  if (batch_.empty()) return;
  status_.readings += batch_.size();
  status_.last_reading_ms = now;
  if (sink_ != nullptr) sink_->onSignals(batch_);
}

}  // namespace tgw::sources
