// Config of the CAN sources (socketcan, slcan, candump) and their signal
// catalog. DBC files are parsed here so check-config reports their errors
// (with the DBC line) and the names they define, without opening hardware.
#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "config/sections.hpp"
#include "decode/bms/bms_can.hpp"
#include "decode/dbc/dbc.hpp"
#include "decode/dbc/dbc_decoder.hpp"
#include "decode/j1939/j1939.hpp"
#include "decode/obd2/obd2.hpp"
#include "tgw/config/can_config.hpp"
#include "tgw/config/source_config.hpp"

namespace tgw::config {
namespace {

constexpr int kBitrates[] = {10000, 20000, 50000, 100000, 125000, 250000, 500000, 800000, 1000000};

// Names without the source prefix, from the decoders the config enables.
// `dbc_ok` false if a DBC file could not be read.
std::vector<std::string> localCatalog(const CanSourceConfig& c, bool& dbc_ok) {
  std::vector<std::string> names;
  dbc_ok = true;
  std::vector<std::shared_ptr<const decode::dbc::Database>> dbs;
  for (const auto& f : c.dbc_files) {
    auto r = decode::dbc::loadDbcFile(f);
    if (!r) {
      dbc_ok = false;
      continue;
    }
    dbs.push_back(std::make_shared<const decode::dbc::Database>(std::move(r->db)));
  }
  if (c.j1939) {
    auto j = decode::j1939::J1939Decoder(dbs, true, "").catalog();
    names.insert(names.end(), j.begin(), j.end());
  } else if (c.dbc) {
    for (const auto& db : dbs) {
      auto d = decode::dbc::DbcDecoder(db, "").catalog();
      names.insert(names.end(), d.begin(), d.end());
    }
  }
  if (c.obd2.enabled) {
    for (int pid : c.obd2.pids) {
      if (const auto* info = decode::obd2::pidInfo(static_cast<std::uint8_t>(pid))) {
        names.push_back(std::string("obd2.") + info->name);
      }
    }
  }
  if (c.bms_can) {
    const auto& b = decode::bms::bmsCatalog();
    names.insert(names.end(), b.begin(), b.end());
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

void parseDecoders(MapReader& r, CanSourceConfig& c) {
  const YAML::Node files = r.child("dbc_files");
  if (files.IsDefined() && !files.IsNull()) {
    if (!files.IsSequence()) {
      r.errorAt(files, r.keyPath("dbc_files"), "expected a list of DBC file paths");
    } else {
      for (std::size_t i = 0; i < files.size(); ++i) {
        const std::string path = files[i].IsScalar() ? files[i].as<std::string>() : std::string();
        const std::string at = fmt::format("{}[{}]", r.keyPath("dbc_files"), i);
        if (path.empty()) {
          r.errorAt(files[i], at, "expected a DBC file path");
          continue;
        }
        c.dbc_files.push_back(path);
        auto parsed = decode::dbc::loadDbcFile(path);
        if (!parsed) {
          r.errorAt(files[i], at, parsed.error().message);
        } else if (!parsed->issues.empty()) {
          r.errorAt(files[i], at,
                    fmt::format("{} line(s) of the DBC file cannot be used:\n{}", parsed->issues.size(),
                                decode::dbc::formatIssues(path, parsed->issues)));
        }
      }
    }
  }
  const YAML::Node decoders = r.child("decoders");
  if (decoders.IsDefined() && !decoders.IsNull()) {
    if (!decoders.IsSequence()) {
      r.errorAt(decoders, r.keyPath("decoders"), "expected a list: [dbc, j1939, obd2, bms_can]");
    } else {
      const std::vector<std::string> known = {"dbc", "j1939", "obd2", "bms_can"};
      for (std::size_t i = 0; i < decoders.size(); ++i) {
        const std::string d = decoders[i].IsScalar() ? decoders[i].as<std::string>() : std::string();
        if (d == "dbc") {
          c.dbc = true;
        } else if (d == "j1939") {
          c.j1939 = true;
        } else if (d == "obd2") {
          c.obd2.enabled = true;
        } else if (d == "bms_can") {
          c.bms_can = true;
        } else {
          std::string msg = fmt::format("unknown decoder '{}' (known: dbc, j1939, obd2, bms_can)", d);
          if (auto s = closestMatch(d, known)) msg += fmt::format(" (did you mean '{}'?)", *s);
          r.errorAt(decoders[i], fmt::format("{}[{}]", r.keyPath("decoders"), i), msg);
        }
      }
    }
  }
  if (!c.dbc_files.empty() && !c.j1939) c.dbc = true;  // DBC files alone: match on the exact id
  if (c.dbc && c.dbc_files.empty()) r.errorKey("decoders", "decoder 'dbc' needs dbc_files: [<file.dbc>, ...]");
  MapReader o = r.map("obd2");
  if (o.present()) {
    c.obd2.interval_ms = static_cast<int>(o.integer("interval_ms", c.obd2.interval_ms, 50, 3600000));
    c.obd2.timeout_ms = static_cast<int>(o.integer("timeout_ms", c.obd2.timeout_ms, 10, 10000));
    c.obd2.stale_after = static_cast<int>(o.integer("stale_after", c.obd2.stale_after, 1, 1000));
    const YAML::Node pids = o.child("pids");
    if (pids.IsDefined() && !pids.IsNull()) {
      c.obd2.pids.clear();
      for (std::size_t i = 0; pids.IsSequence() && i < pids.size(); ++i) {
        const std::string text = pids[i].IsScalar() ? pids[i].Scalar() : std::string();
        int pid = -1;
        try {
          std::size_t used = 0;
          pid = static_cast<int>(std::stoul(text, &used, 0));
          if (used != text.size()) pid = -1;
        } catch (const std::exception&) {
          pid = -1;
        }
        if (pid < 0 || pid > 255 || decode::obd2::pidInfo(static_cast<std::uint8_t>(pid)) == nullptr) {
          std::string known;
          for (const auto& p : decode::obd2::supportedPids()) known += fmt::format("{}0x{:02X}", known.empty() ? "" : " ", p.pid);
          o.errorAt(pids[i], fmt::format("{}[{}]", o.keyPath("pids"), i),
                    fmt::format("unsupported OBD-II PID '{}' (supported: {})", text, known));
          continue;
        }
        c.obd2.pids.push_back(pid);
      }
      if (!pids.IsSequence()) o.errorAt(pids, o.keyPath("pids"), "expected a list of PIDs, e.g. [0x0C, 0x0D]");
    }
    if (!c.obd2.enabled) o.warnKey("interval_ms", "obd2 settings given but 'obd2' is not in decoders: not polled");
    o.finish();
  }
  if (!c.dbc && !c.j1939 && !c.obd2.enabled && !c.bms_can) {
    r.warnKey("decoders", "no decoder configured: frames are counted but produce no signals");
  }
  c.signals = r.strList("signals");
  if (!c.signals.empty()) {
    bool dbc_ok = true;
    const auto names = localCatalog(c, dbc_ok);
    const YAML::Node sigs = r.child("signals");
    for (std::size_t i = 0; dbc_ok && i < c.signals.size(); ++i) {
      const std::string& s = c.signals[i];
      const bool prefix = !s.empty() && s.back() == '*';
      const std::string stem = prefix ? s.substr(0, s.size() - 1) : s;
      const bool found = std::any_of(names.begin(), names.end(),
                                     [&](const std::string& n) { return prefix ? n.starts_with(stem) : n == stem; });
      if (!found) {
        std::string msg = fmt::format("no configured decoder produces signal '{}'", s);
        if (auto m = closestMatch(stem, names)) msg += fmt::format(" (did you mean '{}'?)", *m);
        r.errorAt(sigs.IsSequence() && i < sigs.size() ? YAML::Node(sigs[i]) : sigs,
                  fmt::format("{}[{}]", r.keyPath("signals"), i), msg);
      }
    }
  }
}

}  // namespace

bool isCanSourceType(const std::string& type) { return type == "socketcan" || type == "slcan" || type == "candump"; }

void parseCanSource(MapReader& r, SourceConfig& out) {
  CanSourceConfig& c = out.can;
  if (out.type == "socketcan") {
    c.interface = r.requiredStr("interface");
    if (c.interface.size() >= 16) r.errorKey("interface", fmt::format("interface name '{}' is too long", c.interface));
    c.fd = r.boolean("fd", c.fd);
    c.kernel_filters = r.boolean("kernel_filters", c.kernel_filters);
  } else if (out.type == "slcan") {
    c.port = r.requiredStr("port");
    c.baudrate = static_cast<int>(r.integer("baudrate", c.baudrate, 1200, 4000000));
    c.bitrate = static_cast<int>(r.integer("bitrate", c.bitrate, 10000, 1000000));
    if (std::find(std::begin(kBitrates), std::end(kBitrates), c.bitrate) == std::end(kBitrates)) {
      r.errorKey("bitrate", fmt::format("bitrate {} has no slcan code (use 10000, 20000, 50000, 100000, 125000, "
                                        "250000, 500000, 800000 or 1000000)", c.bitrate));
    }
  } else {
    c.file = r.existingFile("file");
    if (c.file.empty() && !r.has("file")) r.errorKey("file", "missing required key 'file' (a candump -l log)");
    c.pace = r.choice("pace", c.pace, {"recorded", "fast"});
    c.speed = r.number("speed", c.speed, 0.01, 1000);
    c.loop = r.boolean("loop", c.loop);
  }
  if (out.type != "candump") {
    c.reopen_min_ms = static_cast<int>(r.integer("reopen_min_ms", c.reopen_min_ms, 10, 600000));
    c.reopen_max_ms = static_cast<int>(r.integer("reopen_max_ms", c.reopen_max_ms, c.reopen_min_ms, 3600000));
  }
  parseDecoders(r, c);
}

std::optional<std::vector<std::string>> canSignalCatalog(const SourceConfig& source) {
  bool dbc_ok = true;
  std::vector<std::string> local = localCatalog(source.can, dbc_ok);
  if (!dbc_ok) return std::nullopt;
  decode::SignalSelection selection(source.can.signals);
  std::vector<std::string> names;
  for (const auto& n : local) {
    if (selection.selected(n)) names.push_back(source.name + "." + n);
  }
  return names;
}

}  // namespace tgw::config
