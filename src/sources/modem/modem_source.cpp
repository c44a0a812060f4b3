#include "sources/modem/modem_source.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/logging.hpp"
#include "decode/at/at.hpp"

namespace tgw::sources {

namespace at = decode::at;
using modem::AtReply;
using std::chrono::milliseconds;

ModemSource::ModemSource(const config::SourceConfig& cfg, const Clock& clock)
    : name_(cfg.name), cfg_(cfg.modem), clock_(clock) {
  cpsi_supported_ = cfg_.cpsi;
}

ModemSource::~ModemSource() {
  *alive_ = false;
  stop();
}

Expected<void> ModemSource::start(EventLoop& loop, SignalSink& sink) {
  loop_ = &loop;
  sink_ = &sink;
  const auto& p = cfg_.port;
  serial::PortSettings ps{p.device, p.baud, p.data_bits, p.parity.empty() ? 'N' : p.parity[0], p.stop_bits};
  serial::LinkOptions lo;
  lo.reopen_max = milliseconds(p.reopen_max_ms);
  channel_ = std::make_unique<modem::AtChannel>(ps, lo, "source." + name_, clock_);
  status_.state = SourceState::kStarting;
  urc_cereg_ = channel_->subscribe("+CEREG", [this](const std::string& l) { onRegistration(l, true); });
  urc_creg_ = channel_->subscribe("+CREG", [this](const std::string& l) { onRegistration(l, true); });
  actuator_.attach(loop, *channel_);
  channel_->start(loop, [this](bool up, const std::string& detail) {
    if (up) {
      setup_done_ = false;
      gnss_on_ = false;
      failures_ = 0;
      schedule(milliseconds(0));
    } else {
      setOnline(false, detail);
    }
  });
  return {};
}

void ModemSource::stop() {
  poll_timer_.reset();
  gnss_timer_.reset();
  urc_cereg_.reset();
  urc_creg_.reset();
  actuator_.detach();  // commands the channel cancels now answer "source stopped"
  if (channel_) channel_->stop();
  channel_.reset();
  status_.state = SourceState::kStopped;
}

Signal ModemSource::sig(const std::string& field, SignalValue v, const char* unit) const {
  return Signal{fmt::format("{}.{}", name_, field), std::move(v), unit, toUnixMs(clock_.now()), 100};
}

void ModemSource::publish(std::vector<Signal> out) {
  if (out.empty() || sink_ == nullptr) return;
  status_.readings += out.size();
  status_.last_reading_ms = toUnixMs(clock_.now());
  sink_->onSignals(out);
}

void ModemSource::setOnline(bool online, const std::string& detail) {
  status_.detail = detail;
  status_.state = online ? SourceState::kOnline : SourceState::kOffline;
  if (online == online_ && status_.readings > 0) return;
  online_ = online;
  if (!online) gnss_timer_.reset();
  tgw::log::get("source." + name_)->log(online ? spdlog::level::info : spdlog::level::warn, "modem {}: {}",
                                        online ? "online" : "offline", detail);
  publish({sig("online", online, "")});
}

void ModemSource::schedule(milliseconds delay) {
  if (loop_ == nullptr) return;
  poll_timer_ = loop_->after(delay, [this] { poll(); });
}

void ModemSource::badReply(const std::string& what, const AtReply& reply) {
  ++bad_replies_;
  ++status_.errors;
  const std::int64_t now = toUnixMs(clock_.now());
  if (now - last_warn_ms_ >= 10000) {
    last_warn_ms_ = now;
    tgw::log::get("source." + name_)
        ->warn("modem: unexpected reply to {}: '{}' ({} bad replies so far)", what,
               reply.lines.empty() ? std::string() : reply.lines.front().substr(0, 80), bad_replies_);
  }
}

// Wraps a reply handler: errors are counted (and logged rate-limited), never published.
modem::AtChannel::Done ModemSource::handler(std::function<void(const AtReply&)> fn) {
  std::weak_ptr<bool> alive = alive_;
  return [this, alive, fn = std::move(fn)](Expected<AtReply> r) {
    auto a = alive.lock();
    if (!a || !*a) return;
    ++status_.frames;
    if (r) {
      fn(*r);
      return;
    }
    ++status_.errors;
    if (r.error().code == Errc::kIo) {
      const std::int64_t now = toUnixMs(clock_.now());
      if (now - last_warn_ms_ >= 10000) {
        last_warn_ms_ = now;
        tgw::log::get("source." + name_)->warn("{}", r.error().message);
      }
    }
  };
}

void ModemSource::poll() {
  if (!channel_ || !channel_->connected()) return;
  const milliseconds timeout(cfg_.command_timeout_ms);
  std::weak_ptr<bool> alive = alive_;
  channel_->send("AT", timeout, [this, alive, timeout](Expected<AtReply> probe) {
    auto a = alive.lock();
    if (!a || !*a || !channel_) return;
    if (!probe) {
      ++status_.errors;
      ++failures_;
      setOnline(false, probe.error().message);
      const auto base = milliseconds(std::max(1000, cfg_.command_timeout_ms));
      const auto delay = std::min(milliseconds(cfg_.backoff_max_ms), base * (1L << std::min(failures_, 12)));
      schedule(delay);
      return;
    }
    failures_ = 0;
    setOnline(true, "answering");
    if (!setup_done_) {
      setup_done_ = true;
      channel_->send("ATE0", timeout, handler([](const AtReply&) {}));
      channel_->send("AT+CMEE=1", timeout, handler([](const AtReply&) {}));
      channel_->send("AT+CCID", timeout, handler([this](const AtReply& r) {
                       for (const auto& l : r.lines) {
                         if (auto id = at::parseIccid(l)) {
                           publish({sig("iccid", *id, "")});
                           return;
                         }
                       }
                       badReply("AT+CCID", r);
                     }));
      if (cfg_.gnss) {
        channel_->send("AT+CGNSPWR=1", timeout, handler([this](const AtReply&) {
                         gnss_on_ = true;
                         gnss_timer_ = loop_->every(milliseconds(cfg_.gnss_interval_ms), [this] { pollGnss(); });
                         pollGnss();
                       }));
      }
    }
    channel_->send("AT+CSQ", timeout, handler([this](const AtReply& r) {
                     const std::string* l = r.find("+CSQ");
                     auto csq = l ? at::parseCsq(*l) : std::nullopt;
                     if (!csq) return badReply("AT+CSQ", r);
                     std::vector<Signal> out;
                     if (csq->rssi_dbm) out.push_back(sig("rssi_dbm", static_cast<double>(*csq->rssi_dbm), "dBm"));
                     if (csq->ber) out.push_back(sig("ber", static_cast<double>(*csq->ber), ""));
                     publish(std::move(out));
                   }));
    if (cpsi_supported_) {
      channel_->send("AT+CPSI?", timeout, [this, alive](Expected<AtReply> r) {
        auto a2 = alive.lock();
        if (!a2 || !*a2) return;
        if (!r) {
          if (r.error().code == Errc::kIo) {
            cpsi_supported_ = false;  // generic modem: ERROR, do not ask again
            tgw::log::get("source." + name_)->info("modem does not support AT+CPSI?; not polling it");
          }
          return;
        }
        const std::string* l = r->find("+CPSI");
        auto c = l ? at::parseCpsi(*l) : std::nullopt;
        if (!c) return badReply("AT+CPSI?", *r);
        std::vector<Signal> out{sig("network", c->system, "")};
        if (c->rsrp_dbm) out.push_back(sig("rsrp_dbm", *c->rsrp_dbm, "dBm"));
        if (c->rsrq_db) out.push_back(sig("rsrq_db", *c->rsrq_db, "dB"));
        if (c->snr_db) out.push_back(sig("snr_db", *c->snr_db, "dB"));
        publish(std::move(out));
      });
    }
    for (const char* cmd : {"AT+CEREG?", "AT+CREG?"}) {
      channel_->send(cmd, timeout, handler([this, cmd](const AtReply& r) {
                       const std::string* l = r.find(std::string(cmd).substr(2, std::string(cmd).size() - 3));
                       if (l == nullptr) return badReply(cmd, r);
                       onRegistration(*l, false);
                     }));
    }
    channel_->send("AT+COPS?", timeout, handler([this](const AtReply& r) {
                     const std::string* l = r.find("+COPS");
                     auto op = l ? at::parseCops(*l) : std::nullopt;
                     if (!op) return badReply("AT+COPS?", r);
                     publish({sig("operator", op->name, "")});
                   }));
    schedule(milliseconds(cfg_.poll_interval_ms));
  });
}

void ModemSource::onRegistration(const std::string& line, bool urc) {
  auto reg = at::parseRegistration(line, urc);
  if (!reg) {
    AtReply r;
    r.lines.push_back(line);
    return badReply(urc ? "registration URC" : "registration query", r);
  }
  // CEREG (LTE) wins over CREG (GSM) when the modem is on LTE; publish both views.
  const std::string base = reg->kind == "CEREG" ? "" : "gsm_";
  publish({sig(base + "registered", reg->registered(), ""),
           sig(base + "registration", std::string(at::registrationText(reg->stat)), "")});
}

void ModemSource::pollGnss() {
  if (!channel_ || !online_ || !gnss_on_) return;
  channel_->send("AT+CGNSINF", milliseconds(cfg_.command_timeout_ms), handler([this](const AtReply& r) {
                   const std::string* l = r.find("+CGNSINF");
                   auto g = l ? at::parseCgnsinf(*l) : std::nullopt;
                   if (!g) return badReply("AT+CGNSINF", r);
                   std::vector<Signal> out;
                   const int fix = g->fix ? (g->alt_m ? 3 : 2) : 0;
                   out.push_back(sig("gps.fix", static_cast<double>(fix), ""));
                   if (g->fix && g->lat && g->lon) {
                     out.push_back(sig("gps.lat", *g->lat, "deg"));
                     out.push_back(sig("gps.lon", *g->lon, "deg"));
                     if (g->alt_m) out.push_back(sig("gps.alt", *g->alt_m, "m"));
                     if (g->speed_kmh) out.push_back(sig("gps.speed", *g->speed_kmh, "km/h"));
                     if (g->course_deg) out.push_back(sig("gps.course", *g->course_deg, "deg"));
                     if (g->hdop) out.push_back(sig("gps.hdop", *g->hdop, ""));
                   }
                   if (g->satellites_used) {
                     out.push_back(sig("gps.satellites", static_cast<double>(*g->satellites_used), ""));
                   } else if (g->satellites_in_view && g->fix) {
                     out.push_back(sig("gps.satellites", static_cast<double>(*g->satellites_in_view), ""));
                   }
                   publish(std::move(out));
                 }));
}

}  // namespace tgw::sources
