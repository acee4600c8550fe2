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
  std::unique_ptr<keyvault::KeyVaultService> kv;
  core::Router router;
  std::unique_ptr<core::Dispatcher> dispatcher;

  World() {
    vaults.put(keyvault::vault_from_flag("fuzzvault", "t", "eastus"));
    core::register_admin_routes(router, {clock, metrics, "fuzz", nullptr, "", nullptr, nullptr});
    identity::IdentityServices ids;
    ids.signing_key =
        std::make_shared<const identity::SigningKey>(identity::SigningKey::load_or_create(*store));
    identity::register_identity_routes(router, ids);
    keyvault::KeyVaultOptions options;
    options.default_tenant = "t";
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
