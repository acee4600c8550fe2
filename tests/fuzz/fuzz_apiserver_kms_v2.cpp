// KMS v2 stored values (after "k8s:enc:kms:v2:<name>:"): protobuf EncryptedObject, validated,
// then its DEK source decrypted by the in-memory Base64 plugin and the payload opened.
#include <cstdint>
#include <string_view>

#include "emulator/apiserver/encryption/hkdf_gcm.hpp"
#include "emulator/apiserver/encryption/kms_v2.hpp"
#include "emulator/core/clock.hpp"
#include "emulator/core/rng.hpp"
#include "tests/unit/apiserver/encryption/fakes.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kmslab::apiserver::encryption;
  static kmslab::core::VirtualClock clock(kmslab::core::VirtualClock::Mode::kManual);
  static kmslab::core::SeededRng rng(1);
  static auto plugin = std::make_shared<testing::FakeV2>();
  KmsV2State state;
  state.transformer = std::make_shared<HkdfGcmTransformer>(std::string(32, 's'), rng);
  state.key_id = "1";
  state.type = 1;
  state.expiration = clock.now() + std::chrono::minutes(3);
  state.cache_key = "k";
  KmsV2Transformer t(
      plugin, "p", [&] { return state; }, clock, rng);
  try {
    t.from_storage({reinterpret_cast<const char*>(data), size}, "/registry/secrets/ns/name");
  } catch (const TransformError&) {
  }
  return 0;
}
