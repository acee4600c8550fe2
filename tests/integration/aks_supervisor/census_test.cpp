// What the supervisor reads from an apiserver's storage census (I8, aks.md §4), including
// documents that are not one.
#include "emulator/aks/supervisor/census.hpp"

#include <gtest/gtest.h>

namespace kmslab::aks {
namespace {

using nlohmann::json;

json census(json resources, bool complete = true) {
  return {{"kind", "StorageProviders"}, {"resources", resources}, {"complete", complete}};
}

TEST(Census, InUseWhileAnyValueCarriesTheKmsPrefix) {
  const json c = census({{"configmaps", json::object()},
                         {"secrets",
                          {{"k8s:enc:kms:v2:azurekmsprovider:", 2},
                           {"k8s:enc:kms:v1:legacy:", 1},
                           {"k8s:enc:kms:v2:gone:", 0},
                           {"identity", 4}}}});
  EXPECT_EQ(census_says_in_use(c, "azurekmsprovider"), std::optional<bool>(true));
  EXPECT_EQ(census_says_in_use(c, "legacy"), std::optional<bool>(true));
  EXPECT_EQ(census_says_in_use(c, "gone"), std::optional<bool>(false));
  // A name that is only a prefix of another provider's is not that provider.
  EXPECT_EQ(census_says_in_use(c, "azurekms"), std::optional<bool>(false));
  EXPECT_EQ(census_says_in_use(c, "azurekmsprovider-2"), std::optional<bool>(false));
}

TEST(Census, IncompleteCensusIsUnknownUnlessItShowsTheProvider) {
  const json c = census({{"secrets", {{"k8s:enc:kms:v2:a:", 1}}}}, false);
  EXPECT_EQ(census_says_in_use(c, "a"), std::optional<bool>(true));
  EXPECT_EQ(census_says_in_use(c, "b"), std::nullopt);
}

TEST(Census, MalformedDocumentsAreUnknown) {
  for (const json& bad :
       {json(), json("text"), json::array(), json({{"kind", "Status"}}),
        json({{"kind", "StorageProviders"}}),
        json({{"kind", "StorageProviders"}, {"resources", 3}, {"complete", true}}),
        json({{"kind", "StorageProviders"}, {"resources", {{"secrets", 1}}}, {"complete", true}}),
        json({{"kind", "StorageProviders"}, {"resources", json::object()}}),
        json({{"kind", "StorageProviders"}, {"resources", json::object()}, {"complete", "yes"}})})
    EXPECT_EQ(census_says_in_use(bad, "p"), std::nullopt) << bad.dump();
  // A count that is not a count does not say in use.
  EXPECT_EQ(census_says_in_use(census({{"secrets", {{"k8s:enc:kms:v2:p:", "9"}}}}), "p"),
            std::optional<bool>(false));
}

}  // namespace
}  // namespace kmslab::aks
