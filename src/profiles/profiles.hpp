// The concrete profiles, for the composition root (src/app) and tests.
#pragma once

#include <memory>
#include <vector>

#include "profiles/bess_log_sink.hpp"
#include "profiles/bess_profile.hpp"
#include "profiles/dtg_profile.hpp"
#include "profiles/homesync_profile.hpp"
#include "tgw/config/profile_config.hpp"
#include "tgw/profile/profile.hpp"

namespace tgw::profiles {

// The enabled profiles, in the order dtg, bess, homesync (the first one's
// status topic is the default Last Will topic, SPEC §5).
std::vector<std::unique_ptr<Profile>> makeProfiles(const config::ProfilesConfig& cfg);

}  // namespace tgw::profiles
