#include "sources/can_common/can_pipeline.hpp"

#include <fmt/format.h>

#include "core/logging.hpp"
#include "decode/bms/bms_can.hpp"
#include "decode/dbc/dbc_decoder.hpp"
#include "decode/j1939/j1939.hpp"
#include "decode/obd2/obd2.hpp"

namespace tgw::sources::can {

Expected<std::unique_ptr<CanPipeline>> CanPipeline::create(const config::SourceConfig& cfg, const Clock& clock) {
  const auto& c = cfg.can;
  auto logger = tgw::log::get("source." + cfg.name);
  std::vector<std::shared_ptr<const decode::dbc::Database>> dbs;
  for (const auto& file : c.dbc_files) {
    auto r = decode::dbc::loadDbcFile(file);
    if (!r) return makeError(r.error().code, fmt::format("source '{}': {}", cfg.name, r.error().message));
    if (!r->issues.empty()) {
      logger->warn("{} line(s) of {} skipped:\n{}", r->issues.size(), file, decode::dbc::formatIssues(file, r->issues));
    }
    logger->info("DBC {}: {} messages, {} signals", file, r->db.messages.size(), r->db.signalCount());
    dbs.push_back(std::make_shared<const decode::dbc::Database>(std::move(r->db)));
  }
  decode::SignalSelection selection(c.signals);
  std::vector<std::unique_ptr<decode::FrameDecoder>> decoders;
  if (c.j1939) {
    decoders.push_back(std::make_unique<decode::j1939::J1939Decoder>(dbs, true, cfg.name, selection));
  } else if (c.dbc) {
    for (auto& db : dbs) decoders.push_back(std::make_unique<decode::dbc::DbcDecoder>(db, cfg.name, selection));
  }
  if (c.bms_can) decoders.push_back(std::make_unique<decode::bms::BmsCanDecoder>(cfg.name, selection));
  if (c.obd2.enabled) {
    decode::obd2::Obd2Options o;
    o.pids.clear();
    for (int p : c.obd2.pids) o.pids.push_back(static_cast<std::uint8_t>(p));
    o.interval_ms = c.obd2.interval_ms;
    o.timeout_ms = c.obd2.timeout_ms;
    o.stale_after = c.obd2.stale_after;
    o.poll = cfg.type != "candump";  // a replay cannot ask: it only decodes the answers it holds
    decoders.push_back(std::make_unique<decode::obd2::Obd2Decoder>(o, cfg.name, selection));
  }
  return std::make_unique<CanPipeline>(cfg.name, std::move(decoders), clock);
}

CanPipeline::CanPipeline(std::string source, std::vector<std::unique_ptr<decode::FrameDecoder>> decoders,
                         const Clock& clock)
    : source_(std::move(source)), decoders_(std::move(decoders)), log_(tgw::log::get("source." + source_), clock) {
  for (const auto& d : decoders_) polls_ = polls_ || d->kind() == "obd2";
}

void CanPipeline::onFrame(const CanFrame& frame, std::int64_t ts_ms) {
  ++frames_;
  const std::size_t issues_before = out_.issues.size();
  const std::size_t signals_before = out_.signals.size();
  bool known = false;
  if (frame.error) {
    out_.issues.push_back({decode::Issue::kMalformed, frame.id});
  } else {
    for (auto& d : decoders_) {
      if (d->decode(frame, ts_ms, out_)) {
        known = true;
        break;
      }
    }
    if (!known) out_.issues.push_back({decode::Issue::kUnknownId, frame.id});
  }
  readings_ += out_.signals.size() - signals_before;
  countIssues(issues_before);
  if (out_.issues.size() > issues_before) {
    for (std::size_t i = issues_before; i < out_.issues.size(); ++i) {
      const auto issue = out_.issues[i].issue;
      const auto level = issue == decode::Issue::kUnknownId || issue == decode::Issue::kNotAvailable
                             ? spdlog::level::debug
                             : spdlog::level::warn;
      log_.log(level, std::string(decode::issueName(issue)),
               fmt::format("{}: frame {}: {} (counted: {})", source_, decode::formatFrame(frame),
                           decode::issueName(issue), issues_[static_cast<std::size_t>(issue)]));
    }
    out_.issues.clear();
  }
}

void CanPipeline::countIssues(std::size_t from) {
  for (std::size_t i = from; i < out_.issues.size(); ++i) {
    const auto issue = out_.issues[i].issue;
    ++issues_[static_cast<std::size_t>(issue)];
    if (issue != decode::Issue::kUnknownId && issue != decode::Issue::kNotAvailable &&
        issue != decode::Issue::kRemote) {
      ++errors_;
    }
  }
}

void CanPipeline::onBadInput(const std::string& kind, const std::string& detail) {
  ++bad_input_;
  ++errors_;
  log_.log(spdlog::level::warn, kind, fmt::format("{}: {}: {} (bad input counted: {})", source_, kind, detail, bad_input_));
}

void CanPipeline::tick(MonoTime now, std::int64_t ts_ms) {
  const std::size_t issues_before = out_.issues.size();
  const std::size_t signals_before = out_.signals.size();
  for (auto& d : decoders_) d->tick(now, ts_ms, out_);
  readings_ += out_.signals.size() - signals_before;
  countIssues(issues_before);
  for (std::size_t i = issues_before; i < out_.issues.size(); ++i) {
    const auto issue = out_.issues[i].issue;
    log_.log(spdlog::level::warn, std::string(decode::issueName(issue)),
             fmt::format("{}: {} (counted: {})", source_, decode::issueName(issue),
                         issues_[static_cast<std::size_t>(issue)]));
  }
  out_.issues.clear();
}

std::vector<CanFilter> CanPipeline::filters() const {
  std::vector<CanFilter> all;
  for (const auto& d : decoders_) {
    auto f = d->filters();
    if (f.empty()) return {};
    all.insert(all.end(), f.begin(), f.end());
  }
  return all;
}

}  // namespace tgw::sources::can
