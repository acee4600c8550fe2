#include "emulator/identity/directory.hpp"

#include <openssl/crypto.h>

#include "emulator/core/base64url.hpp"
#include "emulator/core/rng.hpp"
#include "emulator/core/router.hpp"
#include "emulator/core/sha256_hex.hpp"

namespace kmslab::identity {

namespace {

const std::string kSpPrefix = "/id/sp/";
const std::string kMiPrefix = "/id/mi/";

template <class T>
std::vector<T> read_all(store::Store& store, const std::string& prefix) {
  std::vector<T> out;
  for (const auto& kv : store.range(prefix).kvs) {
    const auto j = nlohmann::json::parse(kv.value, nullptr, false);
    if (!j.is_discarded()) out.push_back(T::from_json(j));
  }
  return out;
}

}  // namespace

nlohmann::json ServicePrincipal::to_json() const {
  return {{"tenant_id", tenant_id},         {"app_id", app_id},
          {"object_id", object_id},         {"display_name", display_name},
          {"secret_sha256", secret_sha256}, {"certificate_pems", certificate_pems}};
}

ServicePrincipal ServicePrincipal::from_json(const nlohmann::json& j) {
  ServicePrincipal sp{j.value("tenant_id", ""),     j.value("app_id", ""),
                      j.value("object_id", ""),     j.value("display_name", ""),
                      j.value("secret_sha256", ""), {}};
  const auto certs = j.find("certificate_pems");
  if (certs != j.end() && certs->is_array()) {
    for (const auto& pem : *certs) {
      if (pem.is_string()) sp.certificate_pems.push_back(pem.get<std::string>());
    }
  }
  return sp;
}

nlohmann::json ManagedIdentity::to_json() const {
  return {{"id", id},
          {"name", name},
          {"subscription_id", subscription_id},
          {"resource_group", resource_group},
          {"location", location},
          {"tenant_id", tenant_id},
          {"client_id", client_id},
          {"principal_id", principal_id},
          {"tags", tags}};
}

ManagedIdentity ManagedIdentity::from_json(const nlohmann::json& j) {
  ManagedIdentity m;
  m.id = j.value("id", "");
  m.name = j.value("name", "");
  m.subscription_id = j.value("subscription_id", "");
  m.resource_group = j.value("resource_group", "");
  m.location = j.value("location", "");
  m.tenant_id = j.value("tenant_id", "");
  m.client_id = j.value("client_id", "");
  m.principal_id = j.value("principal_id", "");
  m.tags = j.value("tags", nlohmann::json::object());
  return m;
}

std::string managed_identity_id(const std::string& subscription_id,
                                const std::string& resource_group, const std::string& name) {
  return "/subscriptions/" + subscription_id + "/resourceGroups/" + resource_group +
         "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/" + name;
}

Directory::Directory(store::Store& store, core::Rng& rng) : store_(store), rng_(rng) {}

std::string Directory::new_guid() const {
  return rng_.uuid();
}

ServicePrincipal Directory::create_service_principal(const std::string& tenant_id,
                                                     const std::string& display_name,
                                                     std::string& secret,
                                                     const std::string& app_id) {
  ServicePrincipal sp{core::to_lower(tenant_id),
                      app_id.empty() ? new_guid() : core::to_lower(app_id),
                      new_guid(),
                      display_name,
                      {}};
  // Entra ID secrets are 40 characters; 30 random bytes in base64url make 40. A secret, so never
  // from the seeded stream: --seed reproduces the ids, not the credentials.
  std::string raw(30, '\0');
  core::secure_random({reinterpret_cast<uint8_t*>(raw.data()), raw.size()});
  secret = core::base64url_encode(raw);
  sp.secret_sha256 = core::sha256_hex(secret);
  std::lock_guard l(mu_);
  store_.put(kSpPrefix + sp.app_id, sp.to_json().dump());
  return sp;
}

ServicePrincipal Directory::add_certificate(ServicePrincipal sp, const std::string& pem) {
  sp.certificate_pems.push_back(pem);
  std::lock_guard l(mu_);
  store_.put(kSpPrefix + sp.app_id, sp.to_json().dump());
  return sp;
}

std::optional<ServicePrincipal> Directory::find_service_principal(const std::string& app_id) const {
  auto kv = store_.get(kSpPrefix + core::to_lower(app_id));
  if (!kv) return std::nullopt;
  const auto j = nlohmann::json::parse(kv->value, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return ServicePrincipal::from_json(j);
}

std::vector<ServicePrincipal> Directory::list_service_principals() const {
  return read_all<ServicePrincipal>(store_, kSpPrefix);
}

bool Directory::check_secret(const ServicePrincipal& sp, const std::string& secret) const {
  const std::string got = core::sha256_hex(secret);
  return got.size() == sp.secret_sha256.size() &&
         CRYPTO_memcmp(got.data(), sp.secret_sha256.data(), got.size()) == 0;
}

std::string managed_identity_key(const std::string& id) {
  return kMiPrefix + core::to_lower(id);
}

ManagedIdentity Directory::put_managed_identity(ManagedIdentity identity) {
  std::lock_guard l(mu_);
  const std::string key = kMiPrefix + core::to_lower(identity.id);
  if (auto kv = store_.get(key)) {
    const auto old = ManagedIdentity::from_json(nlohmann::json::parse(kv->value));
    identity.client_id = old.client_id;
    identity.principal_id = old.principal_id;
    identity.id = old.id;
  } else {
    if (identity.client_id.empty()) identity.client_id = new_guid();
    if (identity.principal_id.empty()) identity.principal_id = new_guid();
  }
  store_.put(key, identity.to_json().dump());
  return identity;
}

std::optional<ManagedIdentity> Directory::find_managed_identity(const std::string& id) const {
  auto kv = store_.get(kMiPrefix + core::to_lower(id));
  if (!kv) return std::nullopt;
  const auto j = nlohmann::json::parse(kv->value, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return ManagedIdentity::from_json(j);
}

std::optional<ManagedIdentity> Directory::find_managed_identity_by_client_id(
    const std::string& client_id) const {
  for (auto& m : list_managed_identities()) {
    if (core::to_lower(m.client_id) == core::to_lower(client_id)) return m;
  }
  return std::nullopt;
}

std::optional<ManagedIdentity> Directory::find_managed_identity_by_principal_id(
    const std::string& principal_id) const {
  for (auto& m : list_managed_identities()) {
    if (core::to_lower(m.principal_id) == core::to_lower(principal_id)) return m;
  }
  return std::nullopt;
}

std::vector<ManagedIdentity> Directory::list_managed_identities() const {
  return read_all<ManagedIdentity>(store_, kMiPrefix);
}

bool Directory::erase_managed_identity(const std::string& id) {
  std::lock_guard l(mu_);
  const std::string key = kMiPrefix + core::to_lower(id);
  if (!store_.get(key)) return false;
  store_.del(key);
  return true;
}

}  // namespace kmslab::identity
