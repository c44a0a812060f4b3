#include "tgw/config/loader.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "config/sections.hpp"

namespace tgw::config {
namespace {

Expected<Config> fail(Diagnostics& diag) {
  return makeError(Errc::kConfig, fmt::format("{} error(s) in {}\n{}", diag.errorCount(), diag.file(), diag.format()));
}

}  // namespace

Expected<Config> loadString(const std::string& text, const std::string& name, Diagnostics& diag) {
  diag = Diagnostics(name);
  if (const auto nul = text.find('\0'); nul != std::string::npos) {
    const int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(nul), '\n'));
    diag.error(line, 1, "", "not valid YAML: the file contains binary data (a NUL byte); is this the right file?");
    return fail(diag);
  }
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    diag.error(e.mark.line + 1, e.mark.column + 1, "", fmt::format("not valid YAML: {}", e.msg));
    return fail(diag);
  } catch (const std::exception& e) {
    diag.error(0, 0, "", fmt::format("not valid YAML: {}", e.what()));
    return fail(diag);
  }
  if (!root.IsDefined() || root.IsNull()) {
    diag.error(0, 0, "", "the file is empty; start from /usr/share/doc/telemetry-gateway/examples or config/*.yaml");
    return fail(diag);
  }
  if (!root.IsMap()) {
    diag.error(lineOf(root), columnOf(root), "",
               "expected a mapping at the top level (gateway:, uplink:, queue:, sources:, profiles:)");
    return fail(diag);
  }

  Config cfg;
  cfg.file = name;
  try {
    MapReader top(diag, root, "");
    parseGateway(top.map("gateway"), cfg.gateway);
    parseLogging(top.map("logging"), cfg.logging);
    parseUplink(top.map("uplink"), cfg.uplink);
    parseQueue(top.map("queue"), cfg.queue);
    parseSources(diag, top.child("sources"), cfg.sources);
    parseProfiles(top.map("profiles"), cfg.profiles);
    parseCommands(top.map("commands"), cfg.commands);
    parseHomeAssistant(top.map("homeassistant"), cfg.homeassistant);
    top.finish();
    validate(diag, root, cfg);
    for (auto it = root.begin(); it != root.end(); ++it) {
      if (it->first.IsScalar()) cfg.section_fingerprints[it->first.Scalar()] = YAML::Dump(it->second);
    }
  } catch (const std::exception& e) {
    // yaml-cpp may throw on odd documents (aliases, bad conversions); never abort.
    diag.error(0, 0, "", fmt::format("cannot read the configuration: {}", e.what()));
  }
  if (diag.hasErrors()) return fail(diag);
  return cfg;
}

Expected<Config> loadFile(const std::string& path, Diagnostics& diag) {
  diag = Diagnostics(path);
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) {
    diag.error(0, 0, "", "file not found; give the path of a YAML config (e.g. /etc/telemetry-gateway/gateway.yaml)");
    return fail(diag);
  }
  if (std::filesystem::is_directory(status)) {
    diag.error(0, 0, "", "is a directory, expected a YAML file (e.g. /etc/telemetry-gateway/gateway.yaml)");
    return fail(diag);
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    diag.error(0, 0, "", fmt::format("cannot read: {}", std::strerror(err)));
    return fail(diag);
  }
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) {
    diag.error(0, 0, "", "read error");
    return fail(diag);
  }
  auto result = loadString(ss.str(), path, diag);
  return result;
}

}  // namespace tgw::config
