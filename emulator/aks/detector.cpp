#include "emulator/aks/detector.hpp"

#include <algorithm>
#include <map>

#include "emulator/aks/names.hpp"
#include "emulator/aks/observation.hpp"
#include "emulator/aks/remedies.hpp"
#include "emulator/keyvault/access.hpp"

namespace kmslab::aks {

namespace {

using nlohmann::json;

int rank(const std::string& status) {
  if (status == "critical") return 3;
  if (status == "warning") return 2;
  if (status == "info") return 1;
  return 0;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

json call_json(const KmsCallRecord& c) {
  return {{"seq", c.seq},   {"time", c.time},       {"provider", c.provider}, {"method", c.method},
          {"code", c.code}, {"seconds", c.seconds}, {"error", c.error}};
}

std::string rfc3339(int64_t unix_seconds) {
  return core::format_rfc3339(core::TimePoint(std::chrono::seconds(unix_seconds)));
}

bool unreachable_code(const std::string& code) {
  return code == "Unavailable" || code == "DeadlineExceeded";
}

// Everything one run of the detector looks at, and the findings it makes.
class Checker {
 public:
  Checker(const ManagedCluster& c, const ValidationContext& ctx, const DetectorOptions& o)
      : c_(c), ctx_(ctx), o_(o), now_(ctx.clock.now_unix_seconds()) {}

  std::vector<Finding> run(const std::optional<ControlPlaneObservation>& observed) {
    check_cluster();
    auto id = check_identity();
    for (const auto& slot : c_.keys) check_slot(slot, id);
    if (observed) check_observed(*observed);
    return std::move(out_);
  }

 private:
  void add(Finding f) { out_.push_back(std::move(f)); }

  Finding make(std::string code, std::string status, std::string message, const KeyIdParts* key,
               const KeySlot* slot) const {
    Finding f;
    f.status = std::move(status);
    f.message = std::move(message);
    f.provider = slot ? slot->provider_name : "";
    const RemedyContext rc = remedy_context(key, slot);
    f.remedies = remedies_for(code, rc);
    // P7 / R7: the decrypt-only key's findings say so (KeyExpired -> PreviousKeyExpired).
    if (slot && !rc.current)
      f.code = "PreviousKey" + (code.rfind("Key", 0) == 0 ? code.substr(3) : code);
    else
      f.code = std::move(code);
    if (slot) f.evidence["keyId"] = slot->key_id;
    return f;
  }

  RemedyContext remedy_context(const KeyIdParts* key, const KeySlot* slot) const {
    RemedyContext rc;
    rc.resource_group = c_.resource_group;
    rc.cluster = c_.name;
    rc.current = !slot || (c_.kms().enabled && !c_.keys.empty() && &c_.keys.front() == slot);
    rc.kms_enabled = c_.kms().enabled;
    if (key) {
      rc.vault = key->vault;
      rc.key = key->name;
      rc.version = key->version;
    }
    if (slot) rc.network_access = slot->network_access;
    if (identity_) rc.principal_id = identity_->principal_id;
    return rc;
  }

  // The cluster as the RP knows it: KMS off, unrecoverable (L8), a rotation waiting (I8).
  void check_cluster() {
    if (!c_.kms().enabled) {
      add(make("KmsNotEnabled", "info",
               c_.keys.empty() ? "Azure KeyVault KMS is not enabled on this cluster: secrets are "
                                 "stored without KMS encryption."
                               : "Azure KeyVault KMS was disabled: new writes are not encrypted "
                                 "with KMS, and data written before stays readable only while "
                                 "its key keeps working (D2, L9).",
               nullptr, nullptr));
    }
    if (c_.broken) {
      Finding f = make("ClusterUnrecoverable", "critical",
                       "The cluster's nodes were scaled to zero through the Virtual Machine Scale "
                       "Sets API: the cluster is down and cannot be recovered (L8).",
                       nullptr, nullptr);
      f.evidence["reason"] = c_.broken_reason;
      add(std::move(f));
    }
    if (c_.operation.running() && c_.operation.waiting_for_migration) {
      Finding f = make("RotationWaitingForMigration", "warning",
                       "A key rotation waits: data is still encrypted with the provider '" +
                           c_.operation.waiting_provider +
                           "' that the rotation would drop, so the cluster stays Updating (I8).",
                       nullptr, nullptr);
      f.evidence["provider"] = c_.operation.waiting_provider;
      add(std::move(f));
    }
  }

  std::optional<identity::ManagedIdentity> check_identity() {
    if (c_.keys.empty()) return std::nullopt;
    const auto id_ref = user_assigned_identity_id(c_.identity);
    if (id_ref) identity_ = ctx_.directory.find_managed_identity(*id_ref);
    if (!identity_) {
      Finding f = make("IdentityNotFound", "critical",
                       "The cluster's user-assigned identity " + id_ref.value_or("(none)") +
                           " no longer exists: the KMS plugin cannot get a token for Key Vault.",
                       nullptr, nullptr);
      f.evidence["identity"] = id_ref.value_or("");
      add(std::move(f));
    }
    return identity_;
  }

  // One key the apiserver reads with: vault, key, version, then access from the cluster.
  void check_slot(const KeySlot& slot, const std::optional<identity::ManagedIdentity>& id) {
    const auto key = parse_key_id(slot.key_id);
    if (!key) return;
    auto vault = ctx_.vaults.find(key->vault);
    if (!vault) return missing_vault(slot, *key);
    auto meta = ctx_.keys.meta(key->vault, key->name);
    if (!meta)
      return add(keyed("KeyPurged", "critical",
                       "The key " + key->name + " no longer exists in vault " + key->vault +
                           " (purged): data encrypted with it cannot be decrypted.",
                       *key, slot, {"KeyNotFound"}));
    if (meta->deleted) {
      return add(keyed("KeyDeleted", "critical",
                       "The key " + key->name + " in vault " + key->vault +
                           " is deleted (soft-deleted, recoverable): the KMS plugin cannot use it.",
                       *key, slot, {"KeyNotFound"}));
    }
    auto v = ctx_.keys.version(key->vault, key->name, key->version);
    if (!v)
      return add(keyed("KeyVersionNotFound", "critical",
                       "The key version " + key->version + " of " + key->name +
                           " does not exist in vault " + key->vault + ".",
                       *key, slot, {"KeyNotFound"}));
    check_attributes(slot, *key, v->attributes, v->key_ops);
    if (id) check_access(slot, *key, *vault, *id);
  }

  Finding keyed(const std::string& code, const std::string& status, const std::string& message,
                const KeyIdParts& key, const KeySlot& slot, std::vector<std::string> relays) const {
    Finding f = make(code, status, message, &key, &slot);
    f.relays = std::move(relays);
    return f;
  }

  void missing_vault(const KeySlot& slot, const KeyIdParts& key) {
    const auto any = ctx_.vaults.find_any(key.vault);
    if (any && any->deleted_at) {
      Finding f = keyed("VaultDeleted", "critical",
                        "The vault " + key.vault +
                            " is deleted (soft-deleted, recoverable): the KMS plugin cannot reach "
                            "its key.",
                        key, slot, {"VaultNotFound"});
      f.evidence["vaultDeletedAt"] = *any->deleted_at;
      return add(std::move(f));
    }
    add(keyed("VaultPurged", "critical",
              "The vault " + key.vault +
                  " no longer exists (purged): data encrypted with its key cannot be decrypted.",
              key, slot, {"VaultNotFound"}));
  }

  void check_attributes(const KeySlot& slot, const KeyIdParts& key,
                        const keyvault::KeyAttributes& a, const std::vector<std::string>& ops) {
    if (!a.enabled) {
      add(keyed("KeyDisabled", "critical",
                "The key " + key.name + "/" + key.version +
                    " is disabled: Key Vault refuses encrypt and decrypt with it.",
                key, slot, {"KeyDisabled"}));
    }
    if (a.exp && *a.exp <= now_) {
      Finding f =
          keyed("KeyExpired", "critical",
                "The key " + key.name + "/" + key.version + " expired at " + rfc3339(*a.exp) +
                    ": Key Vault refuses encrypt with it (decrypt still works), so the "
                    "plugin's health checks fail and new writes stop.",
                key, slot, {"KeyExpired"});
      f.evidence["expires"] = rfc3339(*a.exp);
      add(std::move(f));
    } else if (a.exp && *a.exp - now_ <= o_.expiry_warning_seconds) {
      Finding f =
          keyed("KeyExpiringSoon", "warning",
                "The key " + key.name + "/" + key.version + " expires at " + rfc3339(*a.exp) + ".",
                key, slot, {});
      f.evidence["expires"] = rfc3339(*a.exp);
      add(std::move(f));
    }
    if (a.nbf && *a.nbf > now_) {
      add(keyed("KeyNotYetValid", "critical",
                "The key " + key.name + "/" + key.version + " is not valid before " +
                    rfc3339(*a.nbf) + ".",
                key, slot, {"KeyNotYetValid"}));
    }
    for (const char* op : {"encrypt", "decrypt"}) {
      const bool has =
          std::any_of(ops.begin(), ops.end(), [&](const std::string& o) { return lower(o) == op; });
      if (!has) {
        add(keyed("KeyOperationNotPermitted", "critical",
                  "The key " + key.name + "/" + key.version + " does not permit " + op + ".", key,
                  slot, {"KeyOperationForbidden"}));
        break;
      }
    }
  }

  // As Key Vault would decide a call from the plugin: its network rules for the cluster's egress
  // address, then access policies or RBAC for the identity.
  void check_access(const KeySlot& slot, const KeyIdParts& key,
                    const keyvault::VaultSettings& vault, const identity::ManagedIdentity& id) {
    const identity::TokenClaims caller{ctx_.tenant_id, id.principal_id, id.client_id, "", ""};
    if (auto e = keyvault::access::check_network(vault, caller, c_.egress_address, ctx_.subnets)) {
      Finding f = keyed("VaultFirewallBlocksCluster", "critical",
                        "The vault " + key.vault + "'s network rules block the cluster's address " +
                            c_.egress_address + ": " + e->message,
                        key, slot, {"ForbiddenByFirewall", "ForbiddenByConnection"});
      f.evidence["egressAddress"] = c_.egress_address;
      f.evidence["publicNetworkAccess"] = vault.public_network_access;
      return add(std::move(f));
    }
    for (const char* route : {"keys.encrypt", "keys.decrypt"}) {
      const auto e = keyvault::access::check_authorization(
          vault, caller, *keyvault::access::operation_of(route), key.name, ctx_.roles);
      if (!e) continue;
      Finding f = keyed(vault.rbac ? "RbacAccessMissing" : "AccessPolicyMissing", "critical",
                        "The cluster's identity " + id.principal_id + " may not " +
                            std::string(route).substr(5) + " with the key: " + e->message,
                        key, slot, {"ForbiddenByPolicy", "ForbiddenByRbac"});
      f.evidence["principalId"] = id.principal_id;
      f.evidence["permissionModel"] = vault.rbac ? "rbac" : "accessPolicy";
      return add(std::move(f));
    }
  }

  // What the apiserver saw: its health checks and each provider's latest plugin call.
  void check_observed(const ControlPlaneObservation& obs) {
    if (!obs.apiserver_answered) {
      Finding f = make("ApiServerUnreachable", "critical",
                       "The cluster's API server does not answer: " + obs.apiserver_problem,
                       nullptr, nullptr);
      return add(std::move(f));
    }
    for (const auto& [check, reason] : obs.failing_checks) {
      if (check.rfind("kms-provider", 0) != 0) continue;
      Finding f =
          make("PluginUnhealthy", "critical",
               "The API server's health check " + check + " fails: " + reason, nullptr, nullptr);
      f.evidence["check"] = check;
      add(std::move(f));
    }
    std::map<std::string, const KmsCallRecord*> latest;
    for (const auto& call : obs.kms_calls) {
      auto& slot = latest[call.provider];
      if (!slot || call.seq > slot->seq) slot = &call;
    }
    for (const auto& [provider, call] : latest)
      if (call->code != "OK") observed_failure(*call);
    check_secret_count(obs);
  }

  const KeySlot* slot_of(const std::string& provider) const {
    for (const auto& k : c_.keys)
      if (k.provider_name == provider) return &k;
    return nullptr;
  }

  void observed_failure(const KmsCallRecord& call) {
    const KeySlot* slot = slot_of(call.provider);
    const auto key = slot ? parse_key_id(slot->key_id) : std::nullopt;
    const auto relayed = parse_relayed_vault_error(call.error);
    if (relayed) {
      const std::string kv = relayed->inner_code.empty() ? relayed->code : relayed->inner_code;
      for (auto& f : out_) {
        if (f.provider != call.provider) continue;
        if (std::find(f.relays.begin(), f.relays.end(), kv) == f.relays.end()) continue;
        f.message = relayed->headline();  // Key Vault's own words, as the portal shows them
        f.evidence["observed"] = call_json(call);
        return;
      }
      Finding f = make(kv, "critical", relayed->headline(), key ? &*key : nullptr, slot);
      f.provider = call.provider;
      f.evidence["observed"] = call_json(call);
      return add(std::move(f));
    }
    Finding f =
        make(unreachable_code(call.code) ? "PluginUnreachable" : "PluginCallFailed", "critical",
             "The KMS plugin of provider '" + call.provider + "' failed " + call.method + " (" +
                 call.code + "): " + call.error,
             key ? &*key : nullptr, slot);
    f.provider = call.provider;
    f.evidence["observed"] = call_json(call);
    add(std::move(f));
  }

  // L4: KMS v1 holds at most 2000 secrets (D1); v2 has no limit (V1).
  void check_secret_count(const ControlPlaneObservation& obs) {
    if (!obs.stored_secrets || c_.keys.empty() || c_.keys.front().kms_api_version != 1) return;
    const int64_t n = *obs.stored_secrets;
    const bool over = n > o_.v1_secret_limit;
    if (!over && n < static_cast<int64_t>(o_.v1_secret_limit * o_.v1_secret_warning_ratio)) return;
    Finding f = make(over ? "KmsV1SecretLimitExceeded" : "KmsV1SecretLimitNear",
                     over ? "critical" : "warning",
                     "The cluster uses KMS v1 and stores " + std::to_string(n) +
                         " secrets; KMS v1 supports at most " + std::to_string(o_.v1_secret_limit) +
                         " (KMS v2 has no such limit).",
                     nullptr, nullptr);
    f.evidence["storedSecrets"] = n;
    f.evidence["limit"] = o_.v1_secret_limit;
    add(std::move(f));
  }

  const ManagedCluster& c_;
  const ValidationContext& ctx_;
  const DetectorOptions& o_;
  const int64_t now_;
  std::optional<identity::ManagedIdentity> identity_;
  std::vector<Finding> out_;
};

json kms_summary(const ManagedCluster& c, const std::optional<ControlPlaneObservation>& observed,
                 const std::vector<Finding>& findings) {
  const KmsSettings k = c.kms();
  json s = {{"enabled", k.enabled},
            {"keyId", k.key_id},
            {"keyVaultNetworkAccess", k.network_access},
            {"keyVaultResourceId", k.resource_id.value_or("")},
            {"currentKeyVersion", nullptr},
            {"previousKeyVersion", nullptr},
            {"pluginHealthy", nullptr},
            {"providers", json::array()}};
  for (size_t i = 0; i < c.keys.size(); ++i) {
    const auto& slot = c.keys[i];
    const auto parts = parse_key_id(slot.key_id);
    const bool current = k.enabled && i == 0;
    if (parts) s[current ? "currentKeyVersion" : "previousKeyVersion"] = parts->version;
    json p = {{"name", slot.provider_name},
              {"keyId", slot.key_id},
              {"role", current ? "current" : "previous"},
              {"kmsApiVersion", slot.kms_api_version},
              {"keyVaultNetworkAccess", slot.network_access},
              {"lastCall", nullptr}};
    if (observed) {
      for (const auto& call : observed->kms_calls)
        if (call.provider == slot.provider_name) p["lastCall"] = call_json(call);
    }
    s["providers"].push_back(std::move(p));
  }
  if (observed && !c.keys.empty()) {
    const bool bad = std::any_of(findings.begin(), findings.end(), [](const Finding& f) {
      return f.code == "ApiServerUnreachable" || f.code == "PluginUnhealthy" ||
             f.evidence.contains("observed");
    });
    s["pluginHealthy"] = !bad;
  }
  return s;
}

}  // namespace

json Finding::to_json() const {
  return {{"code", code},
          {"status", status},
          {"message", message},
          {"remedies", remedies},
          {"evidence", evidence}};
}

std::string Diagnosis::overall() const {
  std::string worst = "success";
  for (const auto& f : findings)
    if (rank(f.status) > rank(worst)) worst = f.status;
  return worst;
}

json Diagnosis::to_json() const {
  json list = json::array();
  for (const auto& f : findings) list.push_back(f.to_json());
  return {{"kms", kms}, {"findings", std::move(list)}};
}

Diagnosis diagnose(const ManagedCluster& cluster, const ValidationContext& ctx,
                   const std::optional<ControlPlaneObservation>& observed,
                   const DetectorOptions& options) {
  Diagnosis d;
  d.findings = Checker(cluster, ctx, options).run(observed);
  d.kms = kms_summary(cluster, observed, d.findings);
  const bool problems = std::any_of(d.findings.begin(), d.findings.end(), [](const Finding& f) {
    return f.status == "critical" || f.status == "warning";
  });
  if (!problems && cluster.kms().enabled) {
    Finding ok;
    ok.code = "KmsHealthy";
    ok.status = "success";
    ok.message = "Azure KeyVault KMS is enabled and working: the API server encrypts with " +
                 cluster.kms().key_id + ".";
    ok.evidence["keyId"] = cluster.kms().key_id;
    ok.evidence["observed"] = observed.has_value();
    d.findings.push_back(std::move(ok));
  }
  return d;
}

}  // namespace kmslab::aks
