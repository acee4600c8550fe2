#pragma once
// ArmWorld with the AKS resource provider over fake control planes: a resource group, a
// user-assigned identity, a vault granting it encrypt/decrypt and a key, and helpers for
// managed cluster requests through ARM JSON.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "emulator/keyvault/key_repository.hpp"
#include "tests/support/arm_world.hpp"
#include "tests/support/fake_control_planes.hpp"

namespace kmslab::testing {

using nlohmann::json;

struct AksWorld {
  static constexpr const char* kOld = "2022-11-01";  // az 2.45
  static constexpr const char* kNew = "2025-07-01";  // enableVnetIntegration
  FakeControlPlanes planes;
  core::SubnetMap subnets;
  ArmWorld w{[this](arm::ArmOptions& o) {
    o.control_planes = &planes;
    o.subnets = &subnets;
  }};
  keyvault::KeyRepository keys{*w.store};
  std::string sub = std::string("/subscriptions/") + kArmSubscription;
  std::string group = sub + "/resourceGroups/rg1";
  std::string identity_id =
      group + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1";
  std::string principal;
  std::string key_id = "https://kv1.vault.azure.net/keys/k1/0123abcd";
  std::string vault_id = group + "/providers/Microsoft.KeyVault/vaults/kv1";

  AksWorld() {
    EXPECT_EQ(call(core::http::verb::put, sub + "/resourceGroups/rg1", "2021-04-01",
                   {{"location", "eastus"}})
                  .result_int(),
              201);
    auto id =
        call(core::http::verb::put, identity_id, "2022-01-31-preview", {{"location", "eastus"}});
    principal = json::parse(id.body())["properties"]["principalId"];
    put_vault("kv1", true);
    add_key("kv1", "k1", "0123abcd");
  }

  core::HttpResponse call(core::http::verb v, const std::string& path, const std::string& api,
                          const json& body = nullptr) {
    return w.send(v,
                  path + (path.find('?') == std::string::npos ? "?" : "&") + "api-version=" + api,
                  body.is_null() ? "" : body.dump());
  }

  void put_vault(const std::string& name, bool grant, json extra = json::object()) {
    json policies = json::array();
    if (grant) {
      policies.push_back({{"tenantId", kArmTenant},
                          {"objectId", principal},
                          {"permissions", {{"keys", {"encrypt", "decrypt"}}}}});
    }
    json props = {{"tenantId", kArmTenant},
                  {"sku", {{"family", "A"}, {"name", "standard"}}},
                  {"accessPolicies", policies}};
    props.update(extra);
    auto r = call(core::http::verb::put, group + "/providers/Microsoft.KeyVault/vaults/" + name,
                  "2022-07-01", {{"location", "eastus"}, {"properties", props}});
    EXPECT_LT(r.result_int(), 300) << r.body();
  }

  void add_key(const std::string& vault, const std::string& name, const std::string& version,
               std::optional<int64_t> exp = std::nullopt,
               std::vector<std::string> ops = {"encrypt", "decrypt", "wrapKey", "unwrapKey"}) {
    keyvault::KeyMeta meta;
    meta.name = name;
    meta.current_version = version;
    keyvault::KeyVersion v;
    v.name = name;
    v.version = version;
    v.public_jwk = {{"kty", "RSA"}};
    v.key_ops = std::move(ops);
    v.attributes.exp = exp;
    keys.save(vault, meta, {v});
  }

  std::string cluster(const std::string& name = "c1") const {
    return group + "/providers/Microsoft.ContainerService/managedClusters/" + name;
  }

  static json kms(const std::string& key, const std::string& access = "Public",
                  const std::string& rid = "") {
    json k = {{"enabled", true}, {"keyId", key}, {"keyVaultNetworkAccess", access}};
    if (!rid.empty()) k["keyVaultResourceId"] = rid;
    return k;
  }

  json body(const json& kms_block = nullptr, const std::string& version = "") const {
    json props = {{"kubernetesVersion", version},
                  {"dnsPrefix", "c1-rg1"},
                  {"agentPoolProfiles",
                   {{{"name", "nodepool1"},
                     {"count", 3},
                     {"mode", "System"},
                     {"type", "VirtualMachineScaleSets"},
                     {"vmSize", "Standard_DS2_v2"}}}}};
    if (!kms_block.is_null()) props["securityProfile"] = {{"azureKeyVaultKms", kms_block}};
    return {
        {"location", "eastus"},
        {"identity",
         {{"type", "UserAssigned"}, {"userAssignedIdentities", {{identity_id, json::object()}}}}},
        {"properties", props}};
  }

  core::HttpResponse put(const json& b, const std::string& api = kOld,
                         const std::string& name = "c1") {
    return call(core::http::verb::put, cluster(name), api, b);
  }
  json get(const std::string& name = "c1", const std::string& api = kOld) {
    return json::parse(call(core::http::verb::get, cluster(name), api).body());
  }
  /// The op-status body the PUT's Azure-AsyncOperation names.
  json poll(const core::HttpResponse& r) {
    std::string url(r["Azure-AsyncOperation"]);
    const auto at = url.find("/subscriptions/");
    return json::parse(w.send(core::http::verb::get, url.substr(at)).body());
  }
  /// PUT, then report the apply done; the final GET's body.
  json put_done(const json& b, const std::string& api = kOld) {
    auto r = put(b, api);
    EXPECT_LT(r.result_int(), 300) << r.body();
    planes.complete();
    return get();
  }
  static std::string code(const core::HttpResponse& r) {
    auto j = json::parse(r.body(), nullptr, false);
    return j.is_object() && j.contains("error") ? j["error"].value("code", "") : "";
  }
  static std::string message(const core::HttpResponse& r) {
    auto j = json::parse(r.body(), nullptr, false);
    return j.is_object() && j.contains("error") ? j["error"].value("message", "") : "";
  }
};

}  // namespace kmslab::testing
