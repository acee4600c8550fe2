#pragma once
// One Key Vault request, resolved: its context, vault, wire renderer and JSON body.
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "emulator/core/router.hpp"
#include "emulator/keyvault/key_record.hpp"
#include "emulator/keyvault/service.hpp"
#include "emulator/keyvault/vault.hpp"

namespace kmslab::keyvault {

struct KeyVaultService::Call {
  core::RequestContext& ctx;
  std::shared_ptr<const VaultSettings> shared_vault;  // keeps `vault` alive for the request
  const VaultSettings& vault;
  KeyWire wire;
  nlohmann::json body;  // null when the request had none

  const std::string& name() const { return ctx.param("name"); }
  struct Paging {
    size_t max = 25;    // `maxresults`: 1..25, default 25
    std::string after;  // the decoded `$skiptoken`: continue after this (lower-case) name
  };
  core::Result<Paging> paging() const;
  /// {"value":[...],"nextLink":...} where nextLink continues after `after` ("" = last page).
  core::Reply page(nlohmann::ordered_json value, const std::string& path, const std::string& after,
                   size_t max) const;
};
using Call = KeyVaultService::Call;

}  // namespace kmslab::keyvault
