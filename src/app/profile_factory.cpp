#include "app/profile_factory.hpp"

#include "profiles/profiles.hpp"

namespace tgw::app {

std::vector<std::unique_ptr<Profile>> makeProfiles(const config::Config& cfg) {
  return profiles::makeProfiles(cfg.profiles);
}

}  // namespace tgw::app
