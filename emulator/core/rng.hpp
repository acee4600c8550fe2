#pragma once
// Injected randomness: request ids, key versions and anything else random goes through an Rng, so
// a test (or `--seed N`) reproduces every generated id, name and ordering. Secrets and key
// material never do: they come from secure_random() (OpenSSL's CSPRNG), seed or no seed.
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>

namespace kmslab::core {

class Rng {
 public:
  virtual ~Rng() = default;
  virtual void fill(std::span<uint8_t> out) = 0;

  uint64_t next_u64();
  /// `bytes` random bytes as lowercase hex (Key Vault key versions are 16 bytes: 32 hex digits).
  std::string hex(size_t bytes);
  /// A random (version 4) UUID in its canonical lowercase form, as Azure request ids are.
  std::string uuid();
};

/// Cryptographically strong (OpenSSL RAND_bytes). Thread-safe.
class SystemRng final : public Rng {
 public:
  void fill(std::span<uint8_t> out) override;
};

/// Deterministic from a seed (xoshiro256**); thread-safe. Not for key material.
class SeededRng final : public Rng {
 public:
  explicit SeededRng(uint64_t seed);
  void fill(std::span<uint8_t> out) override;

 private:
  uint64_t next_locked();
  std::mutex mu_;
  uint64_t s_[4];
};

/// Cryptographically strong bytes (OpenSSL RAND_bytes), whatever --seed says: for secrets
/// (service-principal secrets), key material and bytes a caller may use as such (POST /rng).
void secure_random(std::span<uint8_t> out);

/// `seed` 0 means "not seeded": a SystemRng.
std::unique_ptr<Rng> make_rng(uint64_t seed);

}  // namespace kmslab::core
