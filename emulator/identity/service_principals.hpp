#pragma once
// Service principals at the token endpoint: the directory decides which client credentials get a
// token, and with which oid.
#include "emulator/identity/directory.hpp"
#include "emulator/identity/routes.hpp"

namespace kmslab::identity {

/// --directory: "open" accepts applications the directory does not know (their oid is
/// object_id_for(tenant, client)); "registered" refuses them.
enum class DirectoryMode { kOpen, kRegistered };

/// The token endpoint's CredentialValidator over `directory`: an application registered in the
/// requested tenant must present its own secret (else AADSTS7000215) and gets its service
/// principal's object id as oid; an unknown one is accepted (open) or refused with AADSTS700016
/// (registered). `directory` must outlive the validator.
CredentialValidator client_validator(const Directory& directory, DirectoryMode mode);

}  // namespace kmslab::identity
