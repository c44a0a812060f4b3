// NMEA sentences per second: the gateway's path (line splitting, checksum,
// decode, fix state, signal building) vs a baseline of plain line splitting
// of the same bytes. Input: the gpsd Telit HE910 recording, repeated.
// Usage: bench_serial_nmea [repeats]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "decode/nmea/nmea.hpp"
#include "sources/nmea/nmea_source.hpp"

namespace {

class NullSink final : public tgw::SignalSink {
 public:
  void onSignals(std::span<const tgw::Signal> s) override { n += s.size(); }
  std::size_t n = 0;
};

double seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int repeats = argc > 1 ? std::atoi(argv[1]) : 200;
  std::ifstream in(std::string(TGW_SOURCE_DIR) + "/tests/data/nmea/telit-he910.log");
  std::stringstream ss;
  std::string line;
  std::size_t per = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    ss << line << "\r\n";
    ++per;
  }
  std::string data;
  for (int i = 0; i < repeats; ++i) data += ss.str();
  const double total = static_cast<double>(per) * repeats;

  // Baseline: split into lines, touch each.
  auto t0 = std::chrono::steady_clock::now();
  std::size_t lines = 0, bytes = 0;
  std::string_view rest(data);
  while (!rest.empty()) {
    const auto nl = rest.find('\n');
    std::string_view l = rest.substr(0, nl);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    bytes += l.size();
    ++lines;
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
  const double base_s = seconds(t0);

  // Decoder only.
  t0 = std::chrono::steady_clock::now();
  std::size_t ok = 0;
  tgw::decode::nmea::GpsState state;
  rest = data;
  while (!rest.empty()) {
    const auto nl = rest.find('\n');
    auto r = tgw::decode::nmea::decodeSentence(rest.substr(0, nl));
    if (r.problem == tgw::decode::nmea::Problem::kNone) {
      state.apply(r.update);
      ++ok;
    }
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
  const double dec_s = seconds(t0);

  // The source's whole path, fed in 4 KiB reads as from a tty.
  tgw::config::SourceConfig cfg;
  cfg.name = "gps";
  tgw::sources::NmeaSource src(cfg, tgw::SystemClock::instance());
  NullSink sink;
  t0 = std::chrono::steady_clock::now();
  // (no start(): feed() works without a port; signals are built but go nowhere)
  for (std::size_t off = 0; off < data.size(); off += 4096) src.feed(std::string_view(data).substr(off, 4096));
  const double src_s = seconds(t0);

  std::printf("nmea: %.0f sentences (%zu lines, %zu bytes checked)\n", total, lines, bytes);
  std::printf("  baseline plain line splitting    : %12.0f lines/s\n", total / base_s);
  std::printf("  decodeSentence + fix state       : %12.0f sentences/s (ratio %.3f)\n", total / dec_s,
              base_s / dec_s);
  std::printf("  NmeaSource::feed (split+decode)  : %12.0f sentences/s (ratio %.3f), %llu decoded\n",
              total / src_s, base_s / src_s, static_cast<unsigned long long>(src.counters().sentences));
  return ok > 0 ? 0 : 1;
}
