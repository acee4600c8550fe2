#pragma once
// Shared helpers for the TLS unit tests: a scratch directory, a fixed clock and certificate checks.

#include <chrono>
#include <ctime>
#include <filesystem>
#include <string>

#include "emulator/core/tls/openssl.hpp"

namespace kmslab::core::tls::testing {

// A fixed instant (2030-03-17T17:46:40Z) so validity windows never depend on the test machine.
inline constexpr std::time_t kNowSeconds = 1'900'000'000;
inline std::chrono::system_clock::time_point fixed_now() {
  return std::chrono::system_clock::from_time_t(kNowSeconds);
}
inline constexpr std::time_t kDay = 24 * 60 * 60;

// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

void write_text(const std::filesystem::path& path, const std::string& text);
std::string read_text(const std::filesystem::path& path);

X509Ptr cert_from_pem(const std::string& pem);

// X509_verify_cert of `leaf_pem` against the single trust anchor `ca_pem`, in X509_STRICT mode,
// with the TLS server purpose, at `at`. Returns the X509_V_* result (X509_V_OK on success).
int verify_strict(const std::string& ca_pem, const std::string& leaf_pem, std::time_t at);

}  // namespace kmslab::core::tls::testing
