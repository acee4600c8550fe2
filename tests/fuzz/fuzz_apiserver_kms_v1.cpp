// KMS v1 stored values (after "k8s:enc:kms:v1:<name>:"): u16 EDEK length, EDEK, GCM or CBC
// payload. The in-memory Base64 plugin decodes whatever EDEK the input carries.
#include <cstdint>
#include <string_view>

#include "emulator/apiserver/encryption/kms_v1.hpp"
#include "emulator/core/rng.hpp"
#include "tests/unit/apiserver/encryption/fakes.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kmslab::apiserver::encryption;
  static kmslab::core::SeededRng rng(1);
  static auto plugin = std::make_shared<testing::FakeV1>();
  KmsV1Transformer t(plugin, 8, rng);
  try {
    t.from_storage({reinterpret_cast<const char*>(data), size}, "/registry/secrets/ns/name");
  } catch (const TransformError&) {
  }
  return 0;
}
