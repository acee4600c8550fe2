#pragma once
// Shared by the identity unit tests: one signing key for the whole binary (RSA key generation
// is the slow part), and a scratch directory.
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "emulator/identity/signing_key.hpp"

namespace kmslab::identity::testing {

inline std::shared_ptr<const SigningKey> shared_key() {
  static const auto key = std::make_shared<const SigningKey>(SigningKey::generate());
  return key;
}

class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "kmslab-identity-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace kmslab::identity::testing
