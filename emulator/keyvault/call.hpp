#pragma once
// One Key Vault request, resolved: its context, vault, wire renderer and JSON body.
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "emulator/core/router.hpp"
#include "emulator/keyvault/key_record.hpp"
#include "emulator/keyvault/paging.hpp"
#include "emulator/keyvault/service.hpp"
#include "emulator/keyvault/vault.hpp"

namespace kmslab::keyvault {

struct KeyVaultService::Call {
  core::RequestContext& ctx;
  std::shared_ptr<const VaultSettings> shared_vault;  // keeps `vault` alive for the request
  const VaultSettings& vault;
  KeyWire wire;
  nlohmann::json body;  // null when the request had none
  const PagePattern& pages;

  const std::string& name() const { return ctx.param("name"); }
  struct Paging {
    size_t max = 25;    // `maxresults`: 1..25, default 25
    std::string after;  // the decoded `$skiptoken`: continue after this (lower-case) name
    size_t page = 0;    // this page's index in the listing
    size_t tail = 0;    // > 0: a trailing empty page, this many left with this one
    size_t take = 25;   // the items this page holds (PagePattern)
  };
  /// The page asked for of the listing at `path` ("/keys", "/keys/{name}/versions").
  core::Result<Paging> paging(const std::string& path) const;
  /// {"value":[...],"nextLink":...}; `next_after` is where the next page continues, nullopt
  /// when this page holds the listing's last item (trailing empty pages may follow).
  core::Reply page(nlohmann::ordered_json value, const std::string& path, const Paging& p,
                   const std::optional<std::string>& next_after) const;
};
using Call = KeyVaultService::Call;

/// "https://" + the Host header as the client sent it (port included when given).
std::string request_base_url(const core::RequestContext& ctx);

}  // namespace kmslab::keyvault
