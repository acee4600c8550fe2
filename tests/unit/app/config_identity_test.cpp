// The token lifetime flags of kmslab-emulator.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "emulator/app/config.hpp"
#include "emulator/identity/app_token.hpp"
#include "emulator/identity/managed_identity_request.hpp"

namespace kmslab::app {
namespace {

Config parse(std::vector<std::string> args) {
  args.insert(args.begin(), "kmslab-emulator");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return *parse_flags(static_cast<int>(argv.size()), argv.data());
}

TEST(ConfigIdentity, LifetimesDefaultToTheIdentityLayersOwn) {
  const auto c = parse({});
  EXPECT_EQ(c.token_lifetime, identity::kDefaultTokenLifetime);
  EXPECT_EQ(c.managed_identity_token_lifetime, identity::kManagedIdentityTokenLifetime);
}

TEST(ConfigIdentity, LifetimesAreWholeSecondsOfAtLeastOne) {
  EXPECT_EQ(parse({"--token-lifetime", "1h"}).token_lifetime, std::chrono::seconds(3600));
  EXPECT_EQ(parse({"--managed-identity-token-lifetime=301s"}).managed_identity_token_lifetime,
            std::chrono::seconds(301));
  for (const char* bad : {"0s", "500ms", "1500ms", "-5s", "soon", ""}) {
    try {
      parse({"--managed-identity-token-lifetime", bad});
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("expected whole seconds of at least 1s"),
                std::string::npos)
          << e.what();
    }
  }
}

}  // namespace
}  // namespace kmslab::app
