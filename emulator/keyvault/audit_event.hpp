#pragma once
// One data-plane call as Key Vault's diagnostic log writes it: an `AuditEvent` record
// (key-vault/general/logging.md, "Interpret your Key Vault logs"; the AZKVAuditLogs /
// AzureDiagnostics columns of Azure Monitor). Built from what the call's route, headers and
// answer say; never from its body, so no key, plaintext or ciphertext can reach it.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "emulator/core/clock.hpp"

namespace kmslab::keyvault {

/// What a record is made of, gathered by the service (audit_hooks.cpp).
struct AuditFacts {
  core::TimePoint time;     // on the virtual clock
  std::string resource_id;  // the vault's (or Managed HSM's) ARM id
  std::string route;        // the matched route ("keys.decrypt")
  std::string api_version;
  unsigned status = 0;
  std::string error_message;  // the answer's error.message, "" on success
  int64_t duration_ms = 0;
  std::string caller_ip;
  std::string correlation_id;
  std::string request_uri;  // the URL as the client sent it
  std::string object_id;    // properties.id: the key (version) URL or the vault URL
  std::string user_agent;
  /// The accepted token's claims (oid, appid, upn, xms_mirid); unset when none was accepted.
  std::optional<nlohmann::json> claims;
  /// Authorised by: "policy" (an access policy matched), "rbac" (a role assignment), "open"
  /// (kmslab's --vault vaults), "" (refused or never judged).
  std::string authorized_by;
  std::string rbac_assignment;  // the granting assignment's name, RBAC only
  bool rbac_vault = false;
};

/// logging.md's operation names (the "ObjectVerb" table); a 401 is "Authentication".
std::string audit_operation_name(const std::string& route, unsigned status);
/// The HTTP status as resultSignature writes it ("OK", "Unauthorized", "Forbidden", ...).
std::string audit_result_signature(unsigned status);
/// "2026-01-05T01:32:01.2691226Z": seven fractional digits, as the documented sample has.
std::string audit_time(core::TimePoint t);
nlohmann::ordered_json audit_event(const AuditFacts& facts);

}  // namespace kmslab::keyvault
