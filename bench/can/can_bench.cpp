// CAN decoding benchmark. Prints each figure with a baseline measured in the
// same run and the ratio:
//  1. DBC parse time of a generated ~800 KB DBC;
//  2. frames decoded per second (DbcDecoder, full named signals) vs a plain
//     copy + byte-sum loop over the same frames;
//  3. CPU share of the process while a candump replay runs at 9,000 frames/s
//     (paced by its timestamps, decoded with the large DBC) vs the same replay
//     with no decoder (parse + pacing only).
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>

#include <fmt/format.h>

#include "core/logging.hpp"
#include "core/sd_event_loop.hpp"
#include "decode/dbc/dbc.hpp"
#include "decode/dbc/dbc_decoder.hpp"
#include "sources/candump/candump_source.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using tgw::decode::CanFrame;

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

std::string generateDbc(int messages) {
  std::string t = "VERSION \"bench\"\n\nNS_ :\n\tCM_\n\tVAL_\n\nBS_:\n\nBU_: ECU GW\n\n";
  for (int m = 0; m < messages; ++m) {
    const unsigned id = 0x80000000U | (0x18F00000U + static_cast<unsigned>(m));
    t += fmt::format("BO_ {} Message_{:04d}: 8 ECU\n", id, m);
    for (int s = 0; s < 8; ++s) {
      const bool motorola = (m + s) % 3 == 0;
      const unsigned start = motorola ? static_cast<unsigned>(s * 8 + 7) : static_cast<unsigned>(s * 8);
      t += fmt::format(" SG_ Signal_{}_{} : {}|8@{}{} ({},{}) [{}|{}] \"unit{}\" GW\n", m, s, start, motorola ? 0 : 1,
                       s % 2 ? '-' : '+', 0.5, -10, -200, 200, s);
    }
    t += fmt::format("CM_ BO_ {} \"Generated message {} used by the CAN benchmark\";\n", id, m);
    t += fmt::format("VAL_ {} Signal_{}_0 0 \"Off\" 1 \"On\" 2 \"Error\" 3 \"Not available\" ;\n\n", id, m);
  }
  return t;
}

double cpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

class CountingSink final : public tgw::SignalSink {
 public:
  void onSignals(std::span<const tgw::Signal> s) override { n += s.size(); }
  std::size_t n = 0;
};

// CPU share (CPU seconds / wall seconds) while replaying `file` in real time.
double replayCpuShare(const std::string& file, const std::string& dbc, bool decode, std::uint64_t& frames,
                      std::size_t& signals) {
  tgw::config::SourceConfig cfg;
  cfg.name = "bench";
  cfg.type = "candump";
  cfg.can.file = file;
  cfg.can.pace = "recorded";
  if (decode) {
    cfg.can.dbc = true;
    cfg.can.dbc_files = {dbc};
  }
  auto loop = tgw::core::makeSdEventLoop();
  tgw::sources::can::CandumpSource src(cfg, tgw::SystemClock::instance());
  CountingSink sink;
  (void)src.start(**loop, sink);  // DBC parsed here, before the measurement starts
  const double cpu0 = cpuSeconds();
  const auto t0 = Clock::now();
  auto poll = (*loop)->every(std::chrono::milliseconds(20), [&] {
    if (src.finished()) (*loop)->requestStop(0);
  });
  (void)(*loop)->run();
  const double wall = seconds(Clock::now() - t0);
  const double cpu = cpuSeconds() - cpu0;
  frames = src.status().frames;
  signals = sink.n;
  return cpu / wall;
}

}  // namespace

int main(int argc, char** argv) {
  tgw::log::init(spdlog::level::err);
  const int kMessages = 1250;  // ~800 KB of DBC text
  const std::size_t kFrames = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 2000000;
  const double kReplaySeconds = 3.0;
  const int kRate = 9000;

  // 1. parse
  const std::string text = generateDbc(kMessages);
  auto t0 = Clock::now();
  auto parsed = tgw::decode::dbc::parseDbc(text);
  const double parse_s = seconds(Clock::now() - t0);
  if (!parsed.issues.empty()) {
    std::fprintf(stderr, "generated DBC has issues:\n%s\n",
                 tgw::decode::dbc::formatIssues("bench.dbc", parsed.issues).c_str());
    return 1;
  }
  t0 = Clock::now();
  std::size_t lines = 0;
  for (char c : text) lines += c == '\n' ? 1 : 0;  // baseline: one pass counting lines
  const double scan_s = seconds(Clock::now() - t0);
  std::printf("DBC parse: %.1f KB, %zu messages, %zu signals in %.1f ms (baseline line count over the text: %.2f ms, "
              "%zu lines; ratio %.0fx)\n",
              static_cast<double>(text.size()) / 1024.0, parsed.db.messages.size(), parsed.db.signalCount(),
              parse_s * 1e3, scan_s * 1e3, lines, parse_s / scan_s);

  // 2. decode throughput
  auto db = std::make_shared<const tgw::decode::dbc::Database>(std::move(parsed.db));
  std::mt19937 rng(7);
  std::vector<CanFrame> frames(kFrames);
  for (auto& f : frames) {
    f.extended = true;
    f.id = 0x18F00000U + rng() % kMessages;
    f.len = 8;
    for (int i = 0; i < 8; ++i) f.data[i] = static_cast<std::uint8_t>(rng());
  }
  std::uint64_t sum = 0;
  std::array<std::uint8_t, 8> copy{};
  t0 = Clock::now();
  for (const auto& f : frames) {
    std::memcpy(copy.data(), f.data.data(), 8);
    for (auto b : copy) sum += b;
    sum += f.id;
  }
  const double base_s = seconds(Clock::now() - t0);

  tgw::decode::dbc::DbcDecoder dec(db, "can0");
  tgw::decode::DecodeOutput out;
  std::size_t signals = 0;
  t0 = Clock::now();
  for (const auto& f : frames) {
    out.clear();
    dec.decode(f, 1, out);
    signals += out.signals.size();
  }
  const double dec_s = seconds(Clock::now() - t0);

  std::vector<tgw::decode::dbc::DecodedValue> values;
  std::size_t raw_values = 0;
  t0 = Clock::now();
  for (const auto& f : frames) {
    values.clear();
    const auto* m = db->find(f.id, true);
    (void)tgw::decode::dbc::decodeMessage(*m, std::span<const std::uint8_t>(f.data.data(), 8), true, values);
    raw_values += values.size();
  }
  const double raw_s = seconds(Clock::now() - t0);

  const double n = static_cast<double>(kFrames);
  std::printf("decode: %.2f M frames/s with named signals (%.1f M signals/s), %.2f M frames/s values only; "
              "baseline copy+byte-sum %.1f M frames/s (checksum %llu); ratio baseline/decode %.1fx (values only "
              "%.1fx)\n",
              n / dec_s / 1e6, static_cast<double>(signals) / dec_s / 1e6, n / raw_s / 1e6, n / base_s / 1e6,
              static_cast<unsigned long long>(sum + raw_values), dec_s / base_s, raw_s / base_s);

  // 3. CPU share at 9,000 frames/s
  char dir_template[] = "/tmp/can-bench-XXXXXX";
  const std::string dir = mkdtemp(dir_template);
  const std::string dbc_file = dir + "/bench.dbc";
  std::ofstream(dbc_file) << text;
  const std::string log_file = dir + "/replay.log";
  {
    std::ofstream log(log_file);
    const int total = static_cast<int>(kReplaySeconds * kRate);
    for (int i = 0; i < total; ++i) {
      const CanFrame& f = frames[static_cast<std::size_t>(i) % frames.size()];
      std::string data;
      for (int b = 0; b < 8; ++b) data += fmt::format("{:02X}", f.data[b]);
      log << fmt::format("({:.6f}) can0 {:08X}#{}\n", 1700000000.0 + i / static_cast<double>(kRate), f.id, data);
    }
  }
  std::uint64_t n_dec = 0;
  std::uint64_t n_base = 0;
  std::size_t s_dec = 0;
  std::size_t s_base = 0;
  const double share_base = replayCpuShare(log_file, dbc_file, false, n_base, s_base);
  const double share_dec = replayCpuShare(log_file, dbc_file, true, n_dec, s_dec);
  std::printf("replay at %d frames/s for %.0f s: CPU %.1f %% of one core decoding (%llu frames, %zu signals); "
              "baseline same replay without decoders %.1f %% (%llu frames); ratio %.2fx\n",
              kRate, kReplaySeconds, share_dec * 100, static_cast<unsigned long long>(n_dec), s_dec, share_base * 100,
              static_cast<unsigned long long>(n_base), share_dec / share_base);
  std::remove(log_file.c_str());
  std::remove(dbc_file.c_str());
  std::remove(dir.c_str());
  return 0;
}
