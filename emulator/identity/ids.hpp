#pragma once
// Tenant and principal identifiers.
#include <string>
#include <string_view>

namespace kmslab::identity {

/// The emulated directory's tenant id when the caller configures none. Any GUID works with the
/// SDKs; this one is kmslab's own and belongs to no real tenant.
inline constexpr const char* kDefaultTenantId = "5e1b0c1f-7d2a-4c8e-9b6a-2f3d4e5a6b7c";

/// "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" in hex digits of either case.
bool is_guid(std::string_view text);

/// The tenants Entra ID accepts in place of a tenant id, which stand for "the caller's tenant".
bool is_tenant_alias(std::string_view tenant);

/// The tenant id a request path names: a GUID names itself (lower-cased); anything else (the
/// aliases "common", "organizations", "adfs", or a domain name) is the default tenant, because
/// the emulator has one directory that answers to every name.
std::string resolve_tenant(std::string_view path_tenant, std::string_view default_tenant);

/// The service principal object id of an application in a tenant: a name-based (version 5,
/// SHA-1) UUID of "tenant/client_id", so it is stable across restarts and emulator instances.
std::string object_id_for(std::string_view tenant_id, std::string_view client_id);

}  // namespace kmslab::identity
