#pragma once
// Shared by the identity unit tests: one signing key for the whole binary (RSA key generation
// is the slow part), and a scratch directory.
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "emulator/identity/signing_key.hpp"
#include "tests/support/temp_dir.hpp"

namespace kmslab::identity::testing {

inline std::shared_ptr<const SigningKey> shared_key() {
  static const auto key = std::make_shared<const SigningKey>(SigningKey::generate());
  return key;
}

using TempDir = kmslab::testing::TempDir;

}  // namespace kmslab::identity::testing
