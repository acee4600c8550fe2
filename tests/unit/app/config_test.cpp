// kmslab-emulator's flags: AKS, token lifetimes.
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

TEST(ConfigAks, Defaults) {
  const auto c = parse({});
  EXPECT_EQ(c.aks_control_planes, "processes");  // the supervisor
  EXPECT_EQ(c.lro_retry_after, 1);
  EXPECT_EQ(c.aks_second_provider, "azurekmsprovider-2");
  EXPECT_EQ(c.aks_kms_cachesize, 1000);
  EXPECT_EQ(c.aks_cluster_store, "embedded");  // the apiserver's own SQLite store
  EXPECT_EQ(c.etcd_binary, "");                // etcd on PATH
}

TEST(ConfigAks, ClusterStore) {
  EXPECT_EQ(parse({"--aks-cluster-store", "etcd"}).aks_cluster_store, "etcd");
  EXPECT_EQ(parse({"--etcd-binary", "/opt/etcd"}).etcd_binary, "/opt/etcd");
  for (const char* bad : {"", "sqlite", "ETCD", "etcd "}) {
    try {
      parse({"--aks-cluster-store", bad});
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("must be embedded or etcd"), std::string::npos)
          << e.what();
    }
  }
}

TEST(ConfigAks, ValuesAndRefusals) {
  EXPECT_EQ(parse({"--aks-control-planes", "processes"}).aks_control_planes, "processes");
  EXPECT_EQ(parse({"--lro-retry-after", "0"}).lro_retry_after, 0);
  EXPECT_THROW(parse({"--aks-control-planes", "docker"}), std::invalid_argument);
  EXPECT_THROW(parse({"--lro-retry-after", "-1"}), std::invalid_argument);
  EXPECT_THROW(parse({"--aks-second-provider-name", "azurekmsprovider"}), std::invalid_argument);
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
