#include <gtest/gtest.h>

#include "emulator/aks/names.hpp"
#include "emulator/arm/managed_cluster_json.hpp"

namespace kmslab::aks {
namespace {

TEST(AksNames, KeyIds) {
  auto k = parse_key_id("https://kv1.vault.emu.local:8443/keys/k1/0123");
  ASSERT_TRUE(k);
  EXPECT_EQ(k->vault, "kv1");
  EXPECT_EQ(k->host, "kv1.vault.emu.local:8443");
  EXPECT_EQ(k->name, "k1");
  EXPECT_EQ(k->version, "0123");
  for (const char* bad :
       {"", "https://", "https://kv1/keys/k1/v", "https://kv1.x/keys/k1", "https://kv1.x/keys//v",
        "https://kv1.x/key/k1/v", "https://k.x/keys/k1/v", "https://kv1.x/keys/k1/v/extra",
        "https://kv1.x/keys/k_1/v"}) {
    EXPECT_FALSE(parse_key_id(bad)) << bad;
  }
  EXPECT_EQ(vault_of_resource_id("/subscriptions/s/resourceGroups/g/providers/"
                                 "Microsoft.KeyVault/vaults/kv1"),
            "kv1");
  EXPECT_FALSE(
      vault_of_resource_id("/subscriptions/s/resourceGroups/g/providers/"
                           "Microsoft.Compute/vaults/kv1"));
}

TEST(AksNames, KubernetesVersions) {
  EXPECT_EQ(parse_kube_version("1.27")->to_string(), "1.27.3");
  EXPECT_EQ(parse_kube_version("1.40")->to_string(), "1.40.0");
  EXPECT_EQ(parse_kube_version("1.26.6")->to_string(), "1.26.6");
  for (const char* bad : {"", "1", "2.1.1", "1.x", "1.27.3.4", "01.27", "1.-1"}) {
    EXPECT_FALSE(parse_kube_version(bad)) << bad;
  }
}

TEST(AksNames, EgressAddressesStayInTheirRange) {
  EXPECT_EQ(egress_address(0), "127.64.0.1");
  EXPECT_EQ(egress_address(253), "127.64.0.254");
  EXPECT_EQ(egress_address(254), "127.64.1.1");
  EXPECT_EQ(egress_address(64 * 256 * 254 - 1), "127.127.255.254");
  EXPECT_FALSE(egress_address(64 * 256 * 254));
}

TEST(AksNames, FqdnHashAndScaleSetNamesAreStable) {
  EXPECT_EQ(fqdn_hash("/x"), fqdn_hash("/x"));
  EXPECT_EQ(fqdn_hash("/x").size(), 8u);
  const auto n = scale_set_name("nodepool1", "/x");
  EXPECT_EQ(n.size(), std::string("aks-nodepool1-12345678-vmss").size());
  EXPECT_EQ(node_resource_group("rg1", "c1", "eastus"), "MC_rg1_c1_eastus");
}

TEST(AksNames, OperationNamesAndTimesAsAksWritesThem) {
  EXPECT_EQ(arm::swapped_guid("d3fcfdea-fb66-4a2c-b419-6577d08582de"),
            "eafdfcd3-66fb-2c4a-b419-6577d08582de");  // aks-recorded.md §1
  EXPECT_EQ(arm::aks_time(1652156493400), "2022-05-10T04:21:33.4Z");
  EXPECT_EQ(arm::aks_time(1652156493000), "2022-05-10T04:21:33Z");
}

}  // namespace
}  // namespace kmslab::aks
