#include "emulator/core/rng.hpp"

#include <openssl/rand.h>

#include <cstring>
#include <stdexcept>

namespace kmslab::core {

uint64_t Rng::next_u64() {
  uint64_t v;
  fill({reinterpret_cast<uint8_t*>(&v), sizeof v});
  return v;
}

std::string Rng::hex(size_t bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string raw(bytes, '\0');
  fill({reinterpret_cast<uint8_t*>(raw.data()), raw.size()});
  std::string out;
  out.reserve(bytes * 2);
  for (unsigned char c : raw) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::string Rng::uuid() {
  std::string h = hex(16);
  h[12] = '4';                                                          // version 4
  h[16] = "89ab"[(h[16] >= 'a' ? h[16] - 'a' + 10 : h[16] - '0') & 3];  // RFC 4122 variant
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20);
}

void secure_random(std::span<uint8_t> out) {
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    throw std::runtime_error("OpenSSL RAND_bytes failed");
  }
}

void SystemRng::fill(std::span<uint8_t> out) {
  secure_random(out);
}

namespace {

uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t rotl(uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

}  // namespace

SeededRng::SeededRng(uint64_t seed) {
  for (auto& s : s_) s = splitmix64(seed);
}

uint64_t SeededRng::next_locked() {
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

void SeededRng::fill(std::span<uint8_t> out) {
  std::lock_guard l(mu_);
  size_t i = 0;
  while (i < out.size()) {
    const uint64_t v = next_locked();
    const size_t n = std::min(out.size() - i, sizeof v);
    std::memcpy(out.data() + i, &v, n);
    i += n;
  }
}

std::unique_ptr<Rng> make_rng(uint64_t seed) {
  if (seed == 0) return std::make_unique<SystemRng>();
  return std::make_unique<SeededRng>(seed);
}

}  // namespace kmslab::core
