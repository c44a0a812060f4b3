#include <sstream>

#include <gtest/gtest.h>

#include "app/cli.hpp"

namespace tgw::app {
namespace {

struct Parsed {
  CliResult result;
  std::string out;
  std::string err;
};

Parsed parse(std::vector<std::string> args) {
  args.insert(args.begin(), "telemetry-gateway");
  std::ostringstream out;
  std::ostringstream err;
  Parsed p{parseCli(args, out, err), "", ""};
  p.out = out.str();
  p.err = err.str();
  return p;
}

TEST(Cli, RunWithConfigAndSeconds) {
  auto p = parse({"--log-level", "debug", "run", "--config", "/tmp/g.yaml", "--seconds", "2.5"});
  ASSERT_TRUE(p.result.options.has_value()) << p.err;
  EXPECT_EQ(p.result.options->command, "run");
  EXPECT_EQ(p.result.options->config_path, "/tmp/g.yaml");
  EXPECT_DOUBLE_EQ(p.result.options->seconds, 2.5);
  EXPECT_EQ(p.result.options->log_level.value(), "debug");
}

TEST(Cli, RunDefaultsToEtcConfig) {
  auto p = parse({"run"});
  ASSERT_TRUE(p.result.options.has_value());
  EXPECT_EQ(p.result.options->config_path, "/etc/telemetry-gateway/gateway.yaml");
  EXPECT_FALSE(p.result.options->log_level.has_value());
}

TEST(Cli, CheckConfigPositional) {
  auto p = parse({"check-config", "my.yaml"});
  ASSERT_TRUE(p.result.options.has_value());
  EXPECT_EQ(p.result.options->command, "check-config");
  EXPECT_EQ(p.result.options->config_path, "my.yaml");
}

TEST(Cli, Version) {
  auto p = parse({"version"});
  ASSERT_TRUE(p.result.options.has_value());
  EXPECT_EQ(p.result.options->command, "version");
}

TEST(Cli, QueueSubcommands) {
  auto stats = parse({"queue", "stats", "--json"});
  ASSERT_TRUE(stats.result.options.has_value());
  EXPECT_EQ(stats.result.options->command, "queue-stats");
  EXPECT_TRUE(stats.result.options->json);
  auto peek = parse({"queue", "--config", "x.yaml", "peek", "-n", "5"});
  ASSERT_TRUE(peek.result.options.has_value()) << peek.err;
  EXPECT_EQ(peek.result.options->command, "queue-peek");
  EXPECT_EQ(peek.result.options->peek_count, 5);
  EXPECT_EQ(peek.result.options->config_path, "x.yaml");
  auto purge = parse({"queue", "purge", "--class", "telemetry"});
  ASSERT_TRUE(purge.result.options.has_value());
  EXPECT_EQ(purge.result.options->purge_class.value(), "telemetry");
}

TEST(Cli, UnknownPurgeClassIsUsageError) {
  auto p = parse({"queue", "purge", "--class", "telemetri"});
  EXPECT_FALSE(p.result.options.has_value());
  EXPECT_EQ(p.result.exit_code, kExitUsage);
  EXPECT_NE(p.err.find("unknown message class 'telemetri'"), std::string::npos);
}

TEST(Cli, HelpShowsExamplesAndExitCodes) {
  auto p = parse({"--help"});
  EXPECT_FALSE(p.result.options.has_value());
  EXPECT_EQ(p.result.exit_code, kExitOk);
  EXPECT_NE(p.out.find("Examples:"), std::string::npos);
  EXPECT_NE(p.out.find("78  configuration error"), std::string::npos);
}

TEST(Cli, MissingSubcommandIsUsageError) {
  auto p = parse({});
  EXPECT_FALSE(p.result.options.has_value());
  EXPECT_EQ(p.result.exit_code, kExitUsage);
}

TEST(Cli, BadLogLevelIsUsageError) {
  auto p = parse({"--log-level", "loud", "run"});
  EXPECT_FALSE(p.result.options.has_value());
  EXPECT_EQ(p.result.exit_code, kExitUsage);
  EXPECT_NE(p.err.find("--log-level"), std::string::npos);
}

TEST(Cli, NegativeSecondsRejected) {
  auto p = parse({"run", "--seconds", "-3"});
  EXPECT_FALSE(p.result.options.has_value());
  EXPECT_EQ(p.result.exit_code, kExitUsage);
}

}  // namespace
}  // namespace tgw::app
