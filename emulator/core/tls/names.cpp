#include "emulator/core/tls/names.hpp"

#include <algorithm>

#include <arpa/inet.h>
#include <netinet/in.h>

namespace kmslab::core::tls {
namespace {

constexpr std::size_t kMaxLabel = 63;
constexpr std::size_t kMaxName = 253;

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

bool is_label_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

bool is_valid_label(std::string_view label) {
  return !label.empty() && label.size() <= kMaxLabel && label.front() != '-' &&
         label.back() != '-' && std::all_of(label.begin(), label.end(), is_label_char);
}

}  // namespace

std::string to_lower_ascii(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), lower);
  return out;
}

std::string_view strip_trailing_dot(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  return name;
}

bool host_matches(std::string_view pattern, std::string_view host) {
  pattern = strip_trailing_dot(pattern);
  host = strip_trailing_dot(host);
  if (host.empty()) return false;
  if (!pattern.starts_with("*.")) return iequals(pattern, host);
  const std::string_view suffix = pattern.substr(1);  // ".vault.azure.net"
  if (host.size() <= suffix.size()) return false;
  const std::string_view label = host.substr(0, host.size() - suffix.size());
  return label.find('.') == std::string_view::npos && iequals(host.substr(label.size()), suffix);
}

bool is_valid_dns_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxName) return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = name.find('.', start);
    if (!is_valid_label(name.substr(start, dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool is_valid_wildcard_name(std::string_view name) {
  return name.starts_with("*.") && is_valid_dns_name(name.substr(2));
}

bool is_ip_literal(std::string_view text) {
  const std::string s(text);
  in6_addr buf{};  // large enough for either family
  return inet_pton(AF_INET, s.c_str(), &buf) == 1 || inet_pton(AF_INET6, s.c_str(), &buf) == 1;
}

}  // namespace kmslab::core::tls
