#pragma once

#include <memory>
#include <vector>

#include "tgw/config/config.hpp"
#include "tgw/profile/profile.hpp"

namespace tgw::app {

// The enabled profiles, in the order dtg, bess, homesync (the first one's
// status topic carries the Last Will unless uplink.will_topic says otherwise).
std::vector<std::unique_ptr<Profile>> makeProfiles(const config::Config& cfg);

}  // namespace tgw::app
