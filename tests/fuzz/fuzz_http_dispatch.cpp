// Raw bytes -> HTTP/1.1 parser (the server's limits) -> router -> filters -> handlers of the
// admin API, Entra ID and the Key Vault data plane, over an in-memory store. Any crash, leak or
// undefined behaviour is a bug; every request must end in a response.
#include <boost/beast/http.hpp>
#include <cstdint>
#include <memory>

#include "emulator/core/admin.hpp"
#include "emulator/core/dispatcher.hpp"
#include "emulator/identity/routes.hpp"
#include "emulator/identity/signing_key.hpp"
#include "emulator/keyvault/service.hpp"

namespace {

using namespace kmslab;

struct World {
  core::VirtualClock clock{core::VirtualClock::Mode::kManual,
                           *core::parse_rfc3339("2026-01-01T00:00:00Z")};
  core::SeededRng rng{1};
  core::Logger logger{nullptr, core::LogLevel::kError};
  core::MetricsRegistry metrics;
  std::unique_ptr<store::Store> store = store::open_store("memory");
  keyvault::VaultRegistry vaults{*store};
  identity::RoleAssignments roles{*store};
  core::SubnetMap subnets;
  std::unique_ptr<identity::TokenVerifier> tokens;
  std::unique_ptr<keyvault::KeyVaultService> kv;
  core::Router router;
  std::unique_ptr<core::Dispatcher> dispatcher;

  World() {
    vaults.put(keyvault::vault_from_flag("fuzzvault", "t", "eastus"));
    // Vaults that exercise every access path: policies with a firewall, RBAC behind a private
    // endpoint. Tokens are judged leniently so that the fuzzer's JWTs reach those checks.
    keyvault::VaultSettings policy = keyvault::vault_from_flag("policyvault", "t", "eastus");
    policy.open_access = false;
    policy.access_policies.push_back({"t", "o", "", {"get", "list", "sign"}, {}, {}, {}});
    policy.network_acls = keyvault::NetworkAcls{"None", "Deny", {"127.0.0.0/30"}, {}};
    vaults.put(policy);
    vaults.put(keyvault::managed_hsm_from_flag("fuzzhsm", "t", "eastus"));
    keyvault::VaultSettings rbac = keyvault::vault_from_flag("rbacvault", "t", "eastus");
    rbac.open_access = false;
    rbac.rbac = true;
    rbac.public_network_access = "Disabled";
    rbac.private_endpoint_connections.push_back({"pe", "pe-id", "/subscriptions/s/subnets/a"});
    vaults.put(rbac);
    subnets.set(*core::parse_ipv4_cidr("127.0.0.0/24"), "/subscriptions/s/subnets/a");
    core::register_admin_routes(router, {clock, metrics, "fuzz", nullptr, "", nullptr, nullptr});
    identity::IdentityServices ids;
    ids.signing_key =
        std::make_shared<const identity::SigningKey>(identity::SigningKey::load_or_create(*store));
    identity::register_identity_routes(router, ids);
    tokens = std::make_unique<identity::TokenVerifier>(ids.signing_key, clock, true);
    keyvault::KeyVaultOptions options;
    options.default_tenant = "t";
    options.tokens = tokens.get();
    options.role_assignments = &roles;
    options.subnets = &subnets;
    // The deletion window reads real time; the fuzzer judges it on its manual clock instead.
    options.real_clock = [this] { return clock.now(); };
    options.pages = keyvault::PagePattern::parse("uneven", 1);  // empty pages, tails in tokens
    kv = std::make_unique<keyvault::KeyVaultService>(*store, clock, rng, vaults, options);
    kv->register_routes(router);
    dispatcher = std::make_unique<core::Dispatcher>(router, clock, rng, logger, metrics);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World world;
  namespace http = boost::beast::http;
  http::request_parser<http::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(64 * 1024);
  parser.eager(true);
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (ec == http::error::need_more) parser.put_eof(ec);
  if (ec || !parser.is_done()) return 0;
  const core::ConnectionInfo conn{"127.0.0.1", 1, 2, true, "", ""};
  auto response = world.dispatcher->handle(parser.release(), conn);
  if (response.result_int() < 100) __builtin_trap();
  return 0;
}
