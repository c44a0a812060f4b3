#include "app/source_factory.hpp"

#include <fmt/format.h>

#include "sources/candump/candump_source.hpp"
#include "sources/modbus/modbus_source.hpp"
#include "sources/modem/modem_source.hpp"
#include "sources/nmea/nmea_source.hpp"
#include "sources/simulator/simulator_source.hpp"
#include "sources/slcan/slcan_source.hpp"
#include "sources/socketcan/socketcan_source.hpp"

namespace tgw::app {

Expected<std::unique_ptr<Source>> makeSource(const config::SourceConfig& cfg, const Clock& clock) {
  // One branch per source type; keep them one line each.
  if (cfg.type == "simulator") return std::make_unique<sources::SimulatorSource>(cfg, clock);
  if (cfg.type == "socketcan") return std::make_unique<sources::can::SocketCanSource>(cfg, clock);
  if (cfg.type == "slcan") return std::make_unique<sources::can::SlcanSource>(cfg, clock);
  if (cfg.type == "candump") return std::make_unique<sources::can::CandumpSource>(cfg, clock);
  if (cfg.type == "nmea") return std::make_unique<sources::NmeaSource>(cfg, clock);
  if (cfg.type == "modbus_tcp" || cfg.type == "modbus_rtu") return std::make_unique<sources::ModbusSource>(cfg, clock);
  if (cfg.type == "modem") return std::make_unique<sources::ModemSource>(cfg, clock);
  return makeError(Errc::kUnsupported, fmt::format("source '{}': type '{}' is not built in", cfg.name, cfg.type));
}

}  // namespace tgw::app
