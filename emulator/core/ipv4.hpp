#pragma once
// IPv4 addresses and CIDR ranges (Key Vault's ipRules are IPv4 only), and the map from address
// ranges to virtual subnets that stands in for Azure's virtual networks: tests use different
// loopback addresses (127.0.0.x) as different machines, and `--subnet 127.0.1.0/24=<subnet id>`
// says which virtual subnet those machines are in.
#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kmslab::core {

/// Strict dotted quad ("10.0.0.1"; no leading zeros, no missing parts). An IPv4-mapped IPv6
/// address ("::ffff:10.0.0.1") gives its IPv4 address.
std::optional<uint32_t> parse_ipv4(std::string_view text);
std::string format_ipv4(uint32_t address);

struct Ipv4Cidr {
  uint32_t network = 0;  // host bits cleared
  int prefix = 32;

  bool contains(uint32_t address) const;
  /// "a.b.c.d/n", always with the prefix (Azure echoes a single address as "/32").
  std::string to_string() const;
};

/// "a.b.c.d" (a /32) or "a.b.c.d/n" with n in 0..32. Host bits are cleared, as Azure stores
/// ranges. nullopt for anything else.
std::optional<Ipv4Cidr> parse_ipv4_cidr(std::string_view text);

/// Address ranges -> virtual subnet resource ids (lower-case). The most specific range wins.
/// Thread-safe.
class SubnetMap {
 public:
  /// Parses "CIDR=SUBNET_ID"; throws std::invalid_argument with a message for the user.
  static std::pair<Ipv4Cidr, std::string> parse_entry(std::string_view entry);

  void set(const Ipv4Cidr& range, const std::string& subnet_id);
  bool remove(const Ipv4Cidr& range);
  /// The subnet of a caller's address, or nullopt (a caller on the "public internet").
  std::optional<std::string> subnet_of(std::string_view address) const;

  /// [{"range":"127.0.1.0/24","subnet":"/subscriptions/..."}]
  nlohmann::json to_json() const;
  /// Replaces the whole map; throws std::invalid_argument on a malformed document.
  void load_json(const nlohmann::json& j);

 private:
  mutable std::mutex mu_;
  std::vector<std::pair<Ipv4Cidr, std::string>> entries_;
};

}  // namespace kmslab::core
