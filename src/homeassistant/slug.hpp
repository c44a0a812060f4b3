// Home Assistant object ids: [a-z0-9_] only.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tgw::homeassistant {

// Lower-case ASCII letters and digits are kept, every other run of
// characters becomes one '_', leading/trailing '_' are dropped; "" -> "x".
// "Küche Meter #2" -> "k_che_meter_2".
std::string slugify(std::string_view text);

// Slugs of `names` (in order) that stay distinct: a name whose slug is
// shared with a different name gets "_<6 hex digits of a hash of the name>"
// appended, so the result does not depend on the order of the names.
std::vector<std::string> uniqueSlugs(const std::vector<std::string>& names);

}  // namespace tgw::homeassistant
