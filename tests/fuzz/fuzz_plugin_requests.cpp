// The plugin's gRPC handlers with arbitrary protobuf bytes: the first byte picks the method, the
// rest is the serialized request. The vault is an address nothing listens on, so every call ends
// in the handlers' own checks or a clean "Failure sending request" error.
#include <grpcpp/grpcpp.h>

#include <cstddef>
#include <cstdint>
#include <memory>

#include "emulator/core/clock.hpp"
#include "emulator/core/rng.hpp"
#include "plugin/grpc/services.hpp"

namespace {

using namespace kmslab;

struct World {
  core::VirtualClock clock{core::VirtualClock::Mode::kManual};
  core::SeededRng rng{1};
  std::unique_ptr<core::client::HttpClient> http;
  std::unique_ptr<plugin::TokenSource> tokens;
  std::unique_ptr<plugin::KeyVaultClient> vault;
  std::unique_ptr<plugin::KmsContract> kms;
  std::unique_ptr<plugin::ServiceV1> v1;
  std::unique_ptr<plugin::ServiceV2> v2;

  World() {
    core::client::ClientOptions options;
    options.retry.max_attempts = 1;
    options.connect_timeout = std::chrono::milliseconds(200);
    http = std::make_unique<core::client::HttpClient>(options, clock, rng, [](auto) {});
    plugin::AzureConfig azure;
    azure.tenant_id = "t";
    azure.client_id = "c";
    azure.client_secret = "s";
    tokens = plugin::make_token_source(azure, "https://vault.azure.net",
                                       {"http://127.0.0.1:1", "http://127.0.0.1:1/", false}, *http,
                                       clock);
    const std::string url = "https://fuzzvault.vault.azure.net/";
    vault = std::make_unique<plugin::KeyVaultClient>(
        plugin::KeyVaultTarget{url, "k", "v1", "http://127.0.0.1:1/", false}, *tokens, *http);
    kms = std::make_unique<plugin::KmsContract>(*vault, "fuzz");
    v1 = std::make_unique<plugin::ServiceV1>(*kms, nullptr);
    v2 = std::make_unique<plugin::ServiceV2>(*kms, nullptr);
  }
};

template <class Req, class Res, class Fn>
void call(const uint8_t* data, size_t size, Fn fn) {
  Req req;
  if (!req.ParseFromArray(data, static_cast<int>(size))) return;
  Res res;
  grpc::ServerContext ctx;
  fn(&ctx, &req, &res);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World world;
  if (size == 0) return 0;
  const uint8_t* body = data + 1;
  const size_t n = size - 1;
  switch (data[0] % 5) {
    case 0:
      call<v2::DecryptRequest, v2::DecryptResponse>(
          body, n, [](auto* c, auto* q, auto* r) { world.v2->Decrypt(c, q, r); });
      break;
    case 1:
      call<v2::EncryptRequest, v2::EncryptResponse>(
          body, n, [](auto* c, auto* q, auto* r) { world.v2->Encrypt(c, q, r); });
      break;
    case 2:
      call<v1beta1::DecryptRequest, v1beta1::DecryptResponse>(
          body, n, [](auto* c, auto* q, auto* r) { world.v1->Decrypt(c, q, r); });
      break;
    case 3:
      call<v1beta1::VersionRequest, v1beta1::VersionResponse>(
          body, n, [](auto* c, auto* q, auto* r) { world.v1->Version(c, q, r); });
      break;
    default:
      call<v2::StatusRequest, v2::StatusResponse>(
          body, n, [](auto* c, auto* q, auto* r) { world.v2->Status(c, q, r); });
  }
  return 0;
}
