#include "emulator/core/ipv4.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace kmslab::core {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::optional<int> small_number(std::string_view text, int max) {
  if (text.empty() || text.size() > 3 || (text.size() > 1 && text[0] == '0')) return std::nullopt;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;  // from_chars would take a sign
  }
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value > max) return std::nullopt;
  return value;
}

uint32_t mask_of(int prefix) {
  return prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
}

}  // namespace

std::optional<uint32_t> parse_ipv4(std::string_view text) {
  constexpr std::string_view kMapped = "::ffff:";
  if (text.size() > kMapped.size() &&
      lower(std::string(text.substr(0, kMapped.size()))) == kMapped) {
    text.remove_prefix(kMapped.size());
  }
  uint32_t address = 0;
  for (int part = 0; part < 4; ++part) {
    const size_t dot = part < 3 ? text.find('.') : text.size();
    if (dot == std::string_view::npos) return std::nullopt;
    auto octet = small_number(text.substr(0, dot), 255);
    if (!octet) return std::nullopt;
    address = (address << 8) | static_cast<uint32_t>(*octet);
    text.remove_prefix(std::min(text.size(), dot + 1));
  }
  return address;
}

std::string format_ipv4(uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." +
         std::to_string((a >> 8) & 255) + "." + std::to_string(a & 255);
}

bool Ipv4Cidr::contains(uint32_t address) const {
  return (address & mask_of(prefix)) == network;
}

std::string Ipv4Cidr::to_string() const {
  return format_ipv4(network) + "/" + std::to_string(prefix);
}

std::optional<Ipv4Cidr> parse_ipv4_cidr(std::string_view text) {
  const size_t slash = text.find('/');
  int prefix = 32;
  if (slash != std::string_view::npos) {
    auto p = small_number(text.substr(slash + 1), 32);
    if (!p) return std::nullopt;
    prefix = *p;
  }
  const std::string_view host = text.substr(0, slash);
  if (host.find(':') != std::string_view::npos) return std::nullopt;  // IPv4 only
  auto address = parse_ipv4(host);
  if (!address) return std::nullopt;
  return Ipv4Cidr{*address & mask_of(prefix), prefix};
}

std::pair<Ipv4Cidr, std::string> SubnetMap::parse_entry(std::string_view entry) {
  const size_t eq = entry.find('=');
  auto range = parse_ipv4_cidr(entry.substr(0, eq));
  if (eq == std::string_view::npos || !range) {
    throw std::invalid_argument("'" + std::string(entry) +
                                "' is not CIDR=SUBNET_ID, e.g. 127.0.1.0/24=/subscriptions/S/"
                                "resourceGroups/G/providers/Microsoft.Network/virtualNetworks/V/"
                                "subnets/X");
  }
  const std::string subnet = lower(std::string(entry.substr(eq + 1)));
  if (subnet.rfind("/subscriptions/", 0) != 0 || subnet.find("/subnets/") == std::string::npos) {
    throw std::invalid_argument("'" + std::string(entry.substr(eq + 1)) +
                                "' is not a subnet resource id (/subscriptions/.../virtualNetworks/"
                                "V/subnets/X)");
  }
  return {*range, subnet};
}

void SubnetMap::set(const Ipv4Cidr& range, const std::string& subnet_id) {
  std::lock_guard l(mu_);
  for (auto& [r, s] : entries_) {
    if (r.network == range.network && r.prefix == range.prefix) {
      s = lower(subnet_id);
      return;
    }
  }
  entries_.emplace_back(range, lower(subnet_id));
}

bool SubnetMap::remove(const Ipv4Cidr& range) {
  std::lock_guard l(mu_);
  const auto before = entries_.size();
  std::erase_if(entries_, [&](const auto& e) {
    return e.first.network == range.network && e.first.prefix == range.prefix;
  });
  return entries_.size() != before;
}

std::optional<std::string> SubnetMap::subnet_of(std::string_view address) const {
  auto ip = parse_ipv4(address);
  if (!ip) return std::nullopt;
  std::lock_guard l(mu_);
  const std::pair<Ipv4Cidr, std::string>* best = nullptr;
  for (const auto& e : entries_) {
    if (e.first.contains(*ip) && (!best || e.first.prefix > best->first.prefix)) best = &e;
  }
  if (!best) return std::nullopt;
  return best->second;
}

nlohmann::json SubnetMap::to_json() const {
  std::lock_guard l(mu_);
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [range, subnet] : entries_) {
    out.push_back({{"range", range.to_string()}, {"subnet", subnet}});
  }
  return out;
}

void SubnetMap::load_json(const nlohmann::json& j) {
  if (!j.is_array()) throw std::invalid_argument("expected an array of {\"range\",\"subnet\"}");
  std::vector<std::pair<Ipv4Cidr, std::string>> entries;
  for (const auto& item : j) {
    if (!item.is_object() || !item.contains("range") || !item["range"].is_string() ||
        !item.contains("subnet") || !item["subnet"].is_string()) {
      throw std::invalid_argument("each entry needs string members \"range\" and \"subnet\"");
    }
    entries.push_back(
        parse_entry(item["range"].get<std::string>() + "=" + item["subnet"].get<std::string>()));
  }
  std::lock_guard l(mu_);
  entries_ = std::move(entries);
}

}  // namespace kmslab::core
