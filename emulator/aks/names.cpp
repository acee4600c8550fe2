#include "emulator/aks/names.hpp"

#include <cctype>
#include <map>
#include <vector>

#include "emulator/core/ipv4.hpp"
#include "emulator/core/sha256_hex.hpp"
#include "emulator/keyvault/vault.hpp"

namespace kmslab::aks {

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out(1);
  for (char c : s) {
    if (c == sep) {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::optional<int> number(const std::string& s) {
  if (s.empty() || s.size() > 4) return std::nullopt;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  }
  if (s.size() > 1 && s[0] == '0') return std::nullopt;
  return std::stoi(s);
}

}  // namespace

std::optional<KeyIdParts> parse_key_id(const std::string& key_id) {
  const std::string scheme = "https://";
  if (lower(key_id.substr(0, scheme.size())) != scheme) return std::nullopt;
  const auto parts = split(key_id.substr(scheme.size()), '/');
  if (parts.size() != 4 || lower(parts[1]) != "keys" || parts[2].empty() || parts[3].empty()) {
    return std::nullopt;
  }
  const std::string host = parts[0];
  const std::string vault = host.substr(0, host.find('.'));
  if (host.find('.') == std::string::npos || !keyvault::is_valid_vault_name(vault)) {
    return std::nullopt;
  }
  // Key Vault names and versions: letters, digits and '-' (versions are 32 hex digits on Azure,
  // but the RP's rule is unknown and az accepts any [L]).
  for (const auto* s : {&parts[2], &parts[3]}) {
    for (char c : *s) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return std::nullopt;
    }
  }
  return KeyIdParts{vault, host, parts[2], parts[3]};
}

std::optional<std::string> vault_of_resource_id(const std::string& id) {
  const auto parts = split(id, '/');
  // "", subscriptions, {s}, resourceGroups, {g}, providers, Microsoft.KeyVault, vaults, {name}
  if (parts.size() != 9 || !parts[0].empty() || lower(parts[1]) != "subscriptions" ||
      lower(parts[3]) != "resourcegroups" || lower(parts[5]) != "providers" ||
      lower(parts[6]) != "microsoft.keyvault" || lower(parts[7]) != "vaults" || parts[8].empty()) {
    return std::nullopt;
  }
  return parts[8];
}

std::string KubeVersion::to_string() const {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

std::optional<KubeVersion> parse_kube_version(const std::string& text) {
  const auto parts = split(text, '.');
  if (parts.size() != 2 && parts.size() != 3) return std::nullopt;
  auto maj = number(parts[0]);
  auto min = number(parts[1]);
  if (!maj || !min || *maj != 1) return std::nullopt;
  KubeVersion v{*maj, *min, 0};
  if (parts.size() == 3) {
    auto patch = number(parts[2]);
    if (!patch) return std::nullopt;
    v.patch = *patch;
    return v;
  }
  v.patch = latest_patch(v.minor).value_or(0);
  return v;
}

std::optional<int> latest_patch(int minor) {
  static const std::map<int, int> kLatestPatch = {{24, 15}, {25, 11}, {26, 6}, {27, 3},
                                                  {28, 5},  {29, 4},  {30, 3}, {31, 1}};
  auto it = kLatestPatch.find(minor);
  if (it == kLatestPatch.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> available_upgrades(const KubeVersion& from) {
  std::vector<std::string> out;
  const auto add_minor = [&](int minor, int above) {
    for (int p = latest_patch(minor).value_or(0); p > above; --p)
      out.push_back(KubeVersion{from.major, minor, p}.to_string());
  };
  add_minor(from.minor + 1, -1);
  add_minor(from.minor, from.patch);
  return out;
}

std::string fqdn_hash(const std::string& lower_id) {
  return core::sha256_hex(lower_id).substr(0, 8);
}

std::string node_resource_group(const std::string& group, const std::string& name,
                                const std::string& location) {
  return "MC_" + group + "_" + name + "_" + location;
}

std::string scale_set_name(const std::string& pool, const std::string& lower_id) {
  const std::string hex = core::sha256_hex(lower_id + "/" + pool);
  const uint64_t n = std::stoull(hex.substr(0, 12), nullptr, 16) % 100000000;
  std::string digits = std::to_string(n);
  digits.insert(0, 8 - digits.size(), '0');
  return "aks-" + pool + "-" + digits + "-vmss";
}

std::optional<std::string> egress_address(uint32_t index) {
  // 127.64.0.0/10 minus each /24's .0 and .255: 64 * 256 * 254 addresses.
  constexpr uint32_t kPerBlock = 254;
  constexpr uint32_t kBlocks = 64 * 256;
  if (index >= kPerBlock * kBlocks) return std::nullopt;
  const uint32_t block = index / kPerBlock;
  const uint32_t address =
      (127u << 24) | ((64u + block / 256) << 16) | ((block % 256) << 8) | (index % kPerBlock + 1);
  return core::format_ipv4(address);
}

}  // namespace kmslab::aks
