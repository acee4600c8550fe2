#include "emulator/identity/service_principals.hpp"

#include "emulator/core/router.hpp"
#include "emulator/identity/client_assertion.hpp"

namespace kmslab::identity {

CredentialValidator client_validator(const Directory& directory, DirectoryMode mode) {
  return [&directory, mode](const ClientCredentials& creds) -> ClientVerdict {
    auto sp = directory.find_service_principal(creds.client_id);
    // An application registered in another tenant is not in this tenant's directory.
    if (sp && sp->tenant_id != core::to_lower(creds.tenant_id)) sp.reset();
    if (!sp) {
      if (mode == DirectoryMode::kOpen) return {};
      return {aad_errors::application_not_found(creds.client_id, creds.tenant_id), {}};
    }
    if (!creds.client_assertion.empty()) {
      for (const auto& pem : sp->certificate_pems) {
        if (certificate_thumbprint(pem) != creds.assertion_x5t) continue;
        if (!assertion_signed_by(creds.client_assertion, pem)) {
          return {aad_errors::assertion_bad_signature(), {}};
        }
        return {std::nullopt, sp->object_id};
      }
      return {aad_errors::assertion_key_not_found(creds.assertion_x5t), {}};
    }
    if (!directory.check_secret(*sp, creds.client_secret)) {
      return {aad_errors::invalid_client_secret(sp->app_id), {}};
    }
    return {std::nullopt, sp->object_id};
  };
}

}  // namespace kmslab::identity
