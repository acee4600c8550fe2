#include "emulator/apiserver/encryption/fqdn.hpp"

#include <vector>

namespace kmslab::apiserver::encryption {
namespace {

constexpr std::string_view kSubdomainError =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
constexpr std::string_view kLabelError =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

bool alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool is_label(std::string_view l) {
  if (l.empty() || !alnum(l.front()) || !alnum(l.back())) return false;
  for (char c : l)
    if (!alnum(c) && c != '-') return false;
  return true;
}

std::vector<std::string_view> split_dots(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i)
    if (i == s.size() || s[i] == '.') {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  return out;
}

std::string invalid(std::string_view path, std::string_view value, std::string_view detail) {
  return std::string(path) + ": Invalid value: " + go_quote(value) + ": " + std::string(detail);
}

}  // namespace

std::string fqdn_error(std::string_view path, std::string_view name) {
  if (name.empty()) return std::string(path) + ": Required value";
  if (name.back() == '.') name.remove_suffix(1);
  std::vector<std::string> errs;
  if (name.size() > 253) errs.push_back("must be no more than 253 characters");
  bool subdomain_ok = !name.empty();
  for (auto l : split_dots(name)) subdomain_ok = subdomain_ok && is_label(l);
  if (!subdomain_ok) errs.push_back(std::string(kSubdomainError));
  if (!errs.empty()) {
    std::string joined;
    for (size_t i = 0; i < errs.size(); ++i) joined += (i ? "," : "") + errs[i];
    return invalid(path, name, joined);
  }
  auto labels = split_dots(name);
  if (labels.size() < 2)
    return invalid(path, name, "should be a domain with at least two segments separated by dots");
  for (auto l : labels) {
    if (l.size() > 63) return invalid(path, l, "must be no more than 63 characters");
    if (!is_label(l)) return invalid(path, l, kLabelError);
  }
  return {};
}

}  // namespace kmslab::apiserver::encryption
