#pragma once
// The Key Vault keys data plane: routes -> handlers -> records -> store.
//   protocol.cpp        vault resolution, auth challenge, api-version, throttling, headers, paging
//   access.cpp          token claims, network rules, access policies and RBAC (access_errors.cpp)
//   key_handlers.cpp    create, import, get, list, versions, update
//   deleted_handlers.cpp  delete, deleted keys, recover, purge (and automatic purge)
//   crypto_handlers.cpp encrypt, decrypt, wrapKey, unwrapKey, sign, verify, rng
//   release_handlers.cpp  secure key release (the attestation authority is never reached)
//   paging.cpp          listing page sizes, $skiptoken and nextLink
//   audit_hooks.cpp     every answer as an AuditEvent record (audit_event, audit_log)
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "emulator/core/clock.hpp"
#include "emulator/core/guarded_timers.hpp"
#include "emulator/core/ipv4.hpp"
#include "emulator/core/rng.hpp"
#include "emulator/core/router.hpp"
#include "emulator/faults/injector.hpp"
#include "emulator/identity/rbac.hpp"
#include "emulator/identity/token_verifier.hpp"
#include "emulator/keyvault/audit_log.hpp"
#include "emulator/keyvault/crypto/key_material.hpp"
#include "emulator/keyvault/key_repository.hpp"
#include "emulator/keyvault/paging.hpp"
#include "emulator/keyvault/throttle.hpp"
#include "emulator/keyvault/vault.hpp"

namespace kmslab::keyvault {

struct KeyVaultOptions {
  /// DNS suffixes vaults are reached under: {vault}.<suffix>.
  std::vector<std::string> dns_suffixes = {"vault.azure.net", "vault.localhost"};
  /// DNS suffixes Managed HSMs are reached under: {hsm}.<suffix>.
  std::vector<std::string> hsm_dns_suffixes = {"managedhsm.azure.net", "managedhsm.localhost"};
  bool accept_any_api_version = false;
  std::string default_tenant;
  ThrottleLimits throttle;
  std::string service_version = "1.9.2669.1";
  /// Judges bearer tokens; unset, any bearer token passes as an anonymous caller (unit tests).
  const identity::TokenVerifier* tokens = nullptr;
  /// Azure RBAC for vaults with enableRbacAuthorization; unset, such vaults refuse everyone.
  const identity::RoleAssignments* role_assignments = nullptr;
  /// Which virtual subnet a caller's address is in (network rules, private endpoints).
  const core::SubnetMap* subnets = nullptr;
  /// Injected faults, applied after authentication and before the handler; unset, none.
  faults::FaultInjector* faults = nullptr;
  /// After DELETE the key is "being deleted" for this long in REAL time (not the virtual
  /// clock, so SDK pollers finish under a manual clock): /deletedkeys/{name} answers 404 and a
  /// create 409 ObjectIsBeingDeleted (recorded-keyvault.md §2). Zero: deleted at once.
  std::chrono::milliseconds deletion_window{1000};
  std::function<core::TimePoint()> real_clock = core::wall_clock_now;
  /// Whether encrypt, wrapKey and verify work on a disabled key. The docs say no key
  /// operation does (about-keys-details.md, the default); one live report says these three
  /// are allowed (recorded-keyvault.md §2 [R], azure-sdk-for-python#45342).
  bool disabled_key_allows_public_ops = false;
  /// Items per listing page (paging.hpp); the emulator's default is "uneven", as recorded.
  PagePattern pages;
  /// AuditEvent records kept per vault (audit_log.hpp); 0: no audit log at all.
  size_t audit_retention = AuditLog::kDefaultRetention;
};

class KeyVaultService {
 public:
  KeyVaultService(store::Store& store, core::VirtualClock& clock, core::Rng& rng,
                  VaultRegistry& vaults, KeyVaultOptions options);
  ~KeyVaultService();

  void register_routes(core::Router& router);
  /// The audit log's admin routes (audit_hooks.cpp) in the admin group.
  void register_admin_routes(core::Router& router, core::Router::GroupId admin);
  /// Schedules the automatic purge of keys deleted before a restart.
  void resume_timers();

 private:
 public:
  struct Call;  // one request's resolved vault and wire renderer (call.hpp)

 private:
  using Method = core::Result<core::Reply> (KeyVaultService::*)(Call&);

  core::Handler bind(Method method);
  /// `handler` behind the fault rules (service.cpp); `route` names the operation they match.
  core::Handler with_faults(const std::string& route, core::Handler handler);
  core::Result<Call> resolve(core::RequestContext& ctx);

  // protocol.cpp
  std::optional<core::ApiError> check_api_version(core::RequestContext& ctx) const;
  /// Authentication, network rules, authorisation: in Azure's order.
  std::optional<core::ApiError> check_access(core::RequestContext& ctx, bool hsm) const;
  void register_group(core::Router& router, const std::string& name,
                      const std::vector<std::string>& suffixes, bool hsm);
  void decorate_hsm(const core::RequestContext& ctx, core::Reply& reply) const;
  void hsm_error_wording(const core::RequestContext& ctx, core::Reply& reply) const;
  static constexpr const char* kStartParam = "kmslab.start-us";
  std::optional<core::ApiError> check_token(core::RequestContext& ctx, const VaultSettings& vault,
                                            identity::TokenClaims& caller) const;
  void decorate(const core::RequestContext& ctx, core::Reply& reply) const;
  void add_rbac_headers(const std::string& assignment, core::Reply& reply) const;
  /// The request parameter check_access leaves the granting role assignment's name in.
  static constexpr const char* kRbacAssignmentParam = "kmslab.rbac-assignment";
  /// Set by check_access when the bearer token was accepted; kAuthorizedByParam says what
  /// authorised the call: "policy", "rbac" or "open" (audit records).
  static constexpr const char* kTokenAcceptedParam = "kmslab.token-accepted";
  static constexpr const char* kAuthorizedByParam = "kmslab.authorized-by";

  // audit_hooks.cpp
  static void stamp_start(core::RequestContext& ctx);
  static int64_t elapsed_ms(const core::RequestContext& ctx);
  void record_audit(const core::RequestContext& ctx, const core::Reply& reply);

  // key_handlers.cpp
  core::Result<core::Reply> create_key(Call& call);
  core::Result<core::Reply> import_key(Call& call);
  core::Result<core::Reply> get_key(Call& call);
  core::Result<core::Reply> update_key(Call& call);
  core::Result<core::Reply> list_keys(Call& call);
  core::Result<core::Reply> list_versions(Call& call);
  /// /keys and /deletedkeys: one page of live or deleted keys, each written by `item`.
  core::Result<core::Reply> list_page(
      Call& call, bool deleted, const std::string& path,
      const std::function<nlohmann::ordered_json(const KeyVersion&, const KeyMeta&)>& item);
  core::Result<core::Reply> add_version(Call& call, crypto::KeyMaterial material,
                                        const nlohmann::json& body,
                                        const std::vector<std::string>& jwk_ops);

  // deleted_handlers.cpp
  core::Result<core::Reply> delete_key(Call& call);
  core::Result<core::Reply> get_deleted_key(Call& call);
  core::Result<core::Reply> list_deleted_keys(Call& call);
  core::Result<core::Reply> recover_key(Call& call);
  core::Result<core::Reply> purge_key(Call& call);
  void schedule_purge(const std::string& vault, const std::string& name, int64_t at);
  /// True while a DELETE of the key is still "processing" (KeyVaultOptions::deletion_window).
  bool being_deleted(const std::string& vault, const std::string& name);
  /// Runs `work` at `at` on the virtual clock, holding the write lock, unless this service is
  /// gone by then.
  void schedule_write(int64_t at, std::function<void()> work);

  // rotation_handlers.cpp
  core::Result<core::Reply> rotate_key(Call& call);
  core::Result<core::Reply> get_rotation_policy(Call& call);
  core::Result<core::Reply> set_rotation_policy(Call& call);
  core::Result<KeyVersion> rotate_locked(const VaultSettings& vault, const std::string& name);
  nlohmann::ordered_json policy_wire(const Call& call, const KeyMeta& meta) const;
  static std::optional<int64_t> rotation_due(const KeyMeta& meta, const KeyVersion& current);
  void schedule_rotation(const std::string& vault, const std::string& name);

  // backup_handlers.cpp
  core::Result<core::Reply> backup_key(Call& call);
  core::Result<core::Reply> restore_key(Call& call);
  std::string backup_secret();

  // release_handlers.cpp
  core::Result<core::Reply> release_key(Call& call);

  // crypto_handlers.cpp
  core::Result<core::Reply> crypto_op(Call& call, const std::string& op);
  core::Result<core::Reply> random_bytes(Call& call);
  core::Result<std::shared_ptr<const crypto::KeyMaterial>> material(const std::string& vault,
                                                                    const KeyVersion& version);
  void forget_materials(const std::string& vault, const std::string& name);
  static core::ApiError material_withheld(const KeyVersion& v, const std::string& effect);
  static constexpr size_t kMaterialCacheSize = 1024;

  /// The live (not deleted) key's version, or KeyNotFound.
  core::Result<KeyVersion> live_version(Call& call, const std::string& version);

  store::Store& store_;
  core::VirtualClock& clock_;
  core::Rng& rng_;
  VaultRegistry& vaults_;
  KeyRepository keys_;
  KeyVaultOptions options_;
  std::unique_ptr<AuditLog> audit_;  // null when options_.audit_retention is 0
  Throttle throttle_;
  core::TimePoint started_;  // on the virtual clock; the RBAC cache ages count from it
  std::mutex write_mu_;      // writes to keys are serialised: Key Vault is linearisable per object
  core::GuardedTimers timers_{clock_, write_mu_};  // purge and rotation on the virtual clock
  std::mutex cache_mu_;
  std::map<std::string, std::shared_ptr<const crypto::KeyMaterial>> materials_;
  std::mutex deleting_mu_;
  std::map<std::string, core::TimePoint> deleting_;  // vault/name (lower case) -> real-time end
};

}  // namespace kmslab::keyvault
