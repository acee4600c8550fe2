#include "emulator/apiserver/encryption/identity.hpp"

namespace kmslab::apiserver::encryption {

FromStorage IdentityTransformer::from_storage(std::string_view stored, std::string_view) {
  if (stored.starts_with(kEncryptedPrefix))
    throw TransformError("identity transformer tried to read encrypted data");
  return {std::string(stored), false};
}

std::string IdentityTransformer::to_storage(std::string_view plain, std::string_view) {
  return std::string(plain);
}

}  // namespace kmslab::apiserver::encryption
