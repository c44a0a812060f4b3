// NMEA 0183 GPS on a serial port (or a recorded log replayed at a rate).
// Signals "<source>.lat", ".lon", ".alt" (m), ".speed" (km/h), ".course" (deg),
// ".fix" (0 none, 2 = 2D, 3 = 3D), ".satellites", ".hdop", ".utc_ms".
// No fix -> no position, speed or course is reported (".fix" = 0 is).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "decode/nmea/nmea.hpp"
#include "sources/serial/line_splitter.hpp"
#include "sources/serial/serial_link.hpp"
#include "sources/serial/serial_write_actuator.hpp"
#include "tgw/config/source_config.hpp"
#include "tgw/core/clock.hpp"
#include "tgw/source/source.hpp"

namespace tgw::sources {

class NmeaSource final : public Source {
 public:
  struct Counters {
    std::uint64_t sentences = 0;      // decoded
    std::uint64_t bad_checksum = 0;
    std::uint64_t malformed = 0;      // bad fields, no checksum, bad address
    std::uint64_t garbage = 0;        // no '$', binary bytes
    std::uint64_t overlong = 0;
    std::uint64_t unsupported = 0;    // valid but not decoded (GSV, TXT ...): not an error
  };

  NmeaSource(const config::SourceConfig& cfg, const Clock& clock);
  ~NmeaSource() override;

  [[nodiscard]] std::string_view name() const override { return name_; }
  Expected<void> start(EventLoop& loop, SignalSink& sink) override;
  void stop() override;
  [[nodiscard]] SourceStatus status() const override { return status_; }
  [[nodiscard]] const Counters& counters() const { return counters_; }
  // serial_write (e.g. a receiver configuration sentence) on the GPS port;
  // null when replaying a file.
  Actuator* actuator() override { return cfg_.replay_file.empty() ? &writer_ : nullptr; }

  // Feed raw bytes as if read from the port (loop thread; also the fuzz entry).
  void feed(std::string_view bytes);

 private:
  void onLine(std::string_view line);
  void emit(const decode::nmea::GpsUpdate& u);
  void problem(decode::nmea::Problem p, std::string_view line);
  void replayStep();

  std::string name_;
  config::NmeaConfig cfg_;
  const Clock& clock_;
  SignalSink* sink_ = nullptr;
  EventLoop* loop_ = nullptr;
  serial::SerialWriteActuator writer_{name_};  // before link_: outlives it
  std::unique_ptr<serial::SerialLink> link_;
  serial::LineSplitter splitter_{decode::nmea::kMaxSentenceLength * 2};
  std::uint64_t overlong_seen_ = 0;
  decode::nmea::GpsState gps_;
  SourceStatus status_;
  Counters counters_;
  serial::RateLimit log_limit_{10000};
  std::vector<std::string> replay_;
  std::size_t replay_pos_ = 0;
  Registration replay_timer_;
  std::vector<Signal> batch_;
};

}  // namespace tgw::sources
