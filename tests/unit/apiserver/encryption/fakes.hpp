#pragma once
// In-memory Base64 KMS services (the Go mocks' behaviour without a socket), for transformer tests.
#include <atomic>

#include "emulator/apiserver/encryption/kms_service.hpp"
#include "emulator/core/base64url.hpp"

namespace kmslab::apiserver::encryption::testing {

/// The TransformError text `f` throws, or "(no error)".
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const TransformError& e) {
    return e.what();
  }
  return "(no error)";
}

struct FakeV1 final : KmsV1Service {
  std::atomic<int> encrypts{0}, decrypts{0};
  bool failing = false;
  std::string encrypt(std::string_view plain) override {
    ++encrypts;
    if (failing) throw RpcError("FailedPrecondition", "failed precondition - key disabled");
    return core::base64_encode(plain);
  }
  std::string decrypt(std::string_view cipher) override {
    ++decrypts;
    if (failing) throw RpcError("FailedPrecondition", "failed precondition - key disabled");
    return core::base64_decode(cipher).value_or("");
  }
};

struct FakeV2 final : KmsV2Service {
  std::atomic<int> decrypts{0};
  V2Status status() override { return {"v2", "ok", "1"}; }
  V2EncryptResult encrypt(std::string_view, std::string_view plain) override {
    return {
        core::base64_encode(plain), "1", {{"local-kek.kms.kubernetes.io", "encrypted-local-kek"}}};
  }
  std::string decrypt(std::string_view, const V2DecryptRequest& r) override {
    ++decrypts;
    return core::base64_decode(r.ciphertext).value_or("");
  }
};

}  // namespace kmslab::apiserver::encryption::testing
