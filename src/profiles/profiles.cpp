#include "profiles/profiles.hpp"

namespace tgw::profiles {

std::vector<std::unique_ptr<Profile>> makeProfiles(const config::ProfilesConfig& cfg) {
  std::vector<std::unique_ptr<Profile>> out;
  if (cfg.dtg.enabled) out.push_back(std::make_unique<DtgProfile>(cfg.dtg));
  if (cfg.bess.enabled) out.push_back(std::make_unique<BessProfile>(cfg.bess));
  if (cfg.homesync.enabled) out.push_back(std::make_unique<HomesyncProfile>(cfg.homesync));
  return out;
}

}  // namespace tgw::profiles
