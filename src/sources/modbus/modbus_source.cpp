#include "sources/modbus/modbus_source.hpp"

#include <fmt/format.h>

#include "core/logging.hpp"
#include "decode/modbus/maps.hpp"

namespace tgw::sources {

namespace dm = decode::modbus;

namespace {
std::vector<std::string> deviceNames(const config::SourceConfig& cfg) {
  std::vector<std::string> out;
  for (const auto& d : cfg.modbus.devices) out.push_back(d.name);
  return out;
}
}  // namespace

ModbusSource::ModbusSource(const config::SourceConfig& cfg, const Clock& clock)
    : name_(cfg.name), cfg_(cfg), clock_(clock), writer_(cfg.name, deviceNames(cfg)) {
  for (const auto& d : cfg.modbus.devices) devices_.push_back(DeviceStatus{d.name, false, false, {}});
}

ModbusSource::~ModbusSource() { stop(); }

Expected<modbus::BusSpec> ModbusSource::busSpec(const config::SourceConfig& cfg) {
  const auto& m = cfg.modbus;
  modbus::BusSpec bus;
  bus.rtu = m.transport == "rtu";
  bus.host = m.host;
  bus.port = m.port;
  bus.device = m.serial.device;
  bus.baud = m.serial.baud;
  bus.parity = m.serial.parity.empty() ? 'N' : m.serial.parity[0];
  bus.data_bits = m.serial.data_bits;
  bus.stop_bits = m.serial.stop_bits;
  for (const auto& dc : m.devices) {
    modbus::DeviceSpec d;
    d.name = dc.name;
    d.unit_id = dc.unit_id;
    d.interval = std::chrono::milliseconds(dc.interval_ms);
    d.timeout = std::chrono::milliseconds(dc.timeout_ms);
    d.retries = dc.retries;
    d.backoff_max = std::chrono::milliseconds(dc.backoff_max_ms);
    int gap = 0;
    if (dc.map == "sunspec") {
      d.sunspec = true;
    } else if (!dc.map.empty()) {
      auto map = dm::builtinMap(dc.map);
      if (!map) {
        return makeError(Errc::kConfig, fmt::format("source '{}' device '{}': unknown map '{}'", cfg.name, dc.name,
                                                    dc.map));
      }
      d.fields = map->fields;
      gap = map->max_gap;
    }
    const auto defOrder = dm::parseOrder(dc.order).value_or(dm::Order::kABCD);
    for (const auto& rc : dc.registers) {
      dm::Field f;
      f.name = rc.name;
      auto table = dm::parseTable(rc.table);
      auto type = dm::parseType(rc.type);
      auto order = rc.order.empty() ? std::optional(defOrder) : dm::parseOrder(rc.order);
      if (!table || !type || !order || rc.address < 0 || rc.address > 0xffff) {
        return makeError(Errc::kConfig, fmt::format("source '{}' device '{}' register '{}': bad table/type/order/address",
                                                    cfg.name, dc.name, rc.name));
      }
      f.table = *table;
      f.type = dm::isBitTable(*table) ? dm::Type::kBool : *type;
      f.order = *order;
      f.address = static_cast<std::uint16_t>(rc.address);
      f.scale = rc.scale;
      f.offset = rc.offset;
      f.unit = rc.unit;
      f.string_regs = rc.length;
      // A custom register replaces a built-in field of the same name.
      std::erase_if(d.fields, [&](const dm::Field& x) { return x.name == f.name; });
      d.fields.push_back(std::move(f));
    }
    d.max_gap = dc.max_gap >= 0 ? dc.max_gap : gap;
    bus.devices.push_back(std::move(d));
  }
  return bus;
}

Expected<void> ModbusSource::start(EventLoop& loop, SignalSink& sink) {
  auto bus = busSpec(cfg_);
  if (!bus) return tl::unexpected(bus.error());
  sink_ = &sink;
  shared_ = std::make_shared<Shared>();
  shared_->owner = this;
  status_.state = SourceState::kStarting;
  status_.detail = "connecting";
  auto shared = shared_;
  EventLoop* lp = &loop;
  poller_ = std::make_unique<modbus::ModbusPoller>(
      std::move(*bus),
      [lp, shared](modbus::PollReport r) {
        lp->post([shared, r = std::move(r)]() mutable {
          if (shared->owner != nullptr) shared->owner->onPoll(std::move(r));
        });
      },
      [lp, shared](modbus::BusReport r) {
        lp->post([shared, r = std::move(r)] {
          if (shared->owner != nullptr) shared->owner->onBus(r);
        });
      },
      [lp, shared](modbus::WriteResult r) {
        lp->post([shared, r = std::move(r)]() mutable {
          if (shared->owner != nullptr) shared->owner->writer_.onResult(std::move(r));
        });
      });
  writer_.attach(loop, *poller_);
  worker_ = std::thread([p = poller_.get()] { p->run(); });
  return {};
}

void ModbusSource::stop() {
  if (poller_) poller_->stop();
  if (worker_.joinable()) worker_.join();
  writer_.detach();  // writes not answered yet: "source stopped"
  poller_.reset();
  if (shared_) shared_->owner = nullptr;
  shared_.reset();
  status_.state = SourceState::kStopped;
}

void ModbusSource::onBus(const modbus::BusReport& r) {
  const bool changed = r.connected != bus_up_ || r.detail != bus_detail_;
  bus_up_ = r.connected;
  bus_detail_ = r.detail;
  if (!r.connected) ++status_.errors;
  if (changed) {
    auto log = tgw::log::get("source." + name_);
    if (r.connected) {
      log->info("{}", r.detail);
    } else {
      log->warn("{} (retrying)", r.detail);
    }
  }
  if (!r.connected) {
    // Nothing on this bus answers while it is down.
    const std::int64_t now = toUnixMs(clock_.now());
    std::vector<Signal> out;
    for (auto& d : devices_) {
      if (d.online || !d.ever_polled) {
        d.online = false;
        d.ever_polled = true;
        d.last_error = r.detail;
        out.push_back(Signal{fmt::format("{}.{}.online", name_, d.name), false, "", now, 100});
      }
    }
    if (!out.empty() && sink_ != nullptr) sink_->onSignals(out);
  }
  updateState();
}

void ModbusSource::onPoll(modbus::PollReport r) {
  if (r.device >= devices_.size()) return;
  auto& dev = devices_[r.device];
  ++counters_.polls;
  ++status_.frames;
  counters_.requests += r.requests;
  counters_.timeouts += r.timeouts;
  counters_.exceptions += r.exceptions;
  counters_.crc_errors += r.crc_errors;
  counters_.bad_replies += r.bad_replies;
  counters_.decode_errors += r.decode_errors;
  const std::int64_t now = toUnixMs(clock_.now());
  std::vector<Signal> out;
  const int quality = r.complete ? 100 : 80;
  for (std::size_t i = 0; i < r.values.size(); ++i) {
    out.push_back(Signal{fmt::format("{}.{}.{}", name_, dev.name, r.values[i].first), std::move(r.values[i].second),
                         r.units[i], now, quality});
  }
  const bool was = dev.online;
  const bool first = !dev.ever_polled;
  dev.ever_polled = true;
  dev.online = r.answered;
  auto log = tgw::log::get("source." + name_);
  if (!r.answered || !r.complete || r.decode_errors > 0) {
    ++counters_.failed_polls;
    ++status_.errors;
    dev.last_error = r.error;
    // Transitions always logged; repeats at most every 30 s per source.
    if (was != dev.online || now - last_warn_ms_ >= 30000) {
      last_warn_ms_ = now;
      log->warn("device '{}': {} ({} timeouts, {} exceptions, {} CRC errors, {} bad replies so far)", dev.name,
                r.error.empty() ? "no answer" : r.error, counters_.timeouts, counters_.exceptions,
                counters_.crc_errors, counters_.bad_replies);
    }
  } else {
    dev.last_error.clear();
  }
  if (was != dev.online && !first) {
    log->info("device '{}' is {}", dev.name, dev.online ? "back online" : "offline (not answering)");
  }
  out.push_back(Signal{fmt::format("{}.{}.online", name_, dev.name), dev.online, "", now, 100});
  status_.readings += out.size();
  status_.last_reading_ms = now;
  if (sink_ != nullptr) sink_->onSignals(out);
  updateState();
}

void ModbusSource::updateState() {
  std::size_t online = 0;
  std::string bad;
  for (const auto& d : devices_) {
    if (d.online) {
      ++online;
    } else if (d.ever_polled) {
      bad += fmt::format("; {}: {}", d.name, d.last_error.empty() ? "offline" : d.last_error);
    }
  }
  if (!bus_up_) {
    status_.state = SourceState::kOffline;
    status_.detail = bus_detail_;
    return;
  }
  status_.state = online > 0 || devices_.empty() ? SourceState::kOnline : SourceState::kOffline;
  status_.detail = fmt::format("{}/{} devices online{}", online, devices_.size(), bad);
}

}  // namespace tgw::sources
