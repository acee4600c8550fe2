#include "emulator/core/flags.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kmslab::core::flags {
namespace {

po::options_description description() {
  po::options_description d("test");
  d.add_options()("help,h", "help")("clock", po::value<std::string>()->default_value("system"),
                                    "clock")(
      "log-level", po::value<std::string>()->default_value("info"), "level");
  return d;
}

std::optional<po::variables_map> parse_args(std::vector<std::string> args) {
  args.insert(args.begin(), "prog");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return parse(description(), static_cast<int>(argv.size()), argv.data());
}

std::string error_of(std::vector<std::string> args) {
  try {
    const auto vm = parse_args(std::move(args));
    if (vm) {
      (void)clock_mode(*vm);
      (void)log_level(*vm);
    }
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(Flags, DefaultsParse) {
  const auto vm = parse_args({});
  ASSERT_TRUE(vm);
  EXPECT_EQ(clock_mode(*vm), VirtualClock::Mode::kSystem);
  EXPECT_EQ(log_level(*vm), LogLevel::kInfo);
}

TEST(Flags, ValuesParse) {
  const auto vm = parse_args({"--clock", "manual", "--log-level=debug"});
  ASSERT_TRUE(vm);
  EXPECT_EQ(clock_mode(*vm), VirtualClock::Mode::kManual);
  EXPECT_EQ(log_level(*vm), LogLevel::kDebug);
}

TEST(Flags, HelpReturnsNothing) {
  testing::internal::CaptureStdout();
  EXPECT_FALSE(parse_args({"--help"}));
  EXPECT_NE(testing::internal::GetCapturedStdout().find("--log-level"), std::string::npos);
}

TEST(Flags, ErrorsSayWhatIsWrong) {
  EXPECT_EQ(error_of({"--bogus"}), "unrecognised option '--bogus' (see --help)");
  EXPECT_EQ(error_of({"--clock", "sundial"}), "--clock must be system or manual, not 'sundial'");
  EXPECT_EQ(error_of({"--log-level", "loud"}), "--log-level must be debug, info, warn or error");
}

}  // namespace
}  // namespace kmslab::core::flags
