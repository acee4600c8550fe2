#include "emulator/apiserver/k8s/names.hpp"

#include <map>
#include <regex>

namespace kmslab::apiserver::k8s {

namespace {

constexpr const char* kLabelFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
constexpr const char* kSubdomainFmt =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
constexpr const char* kConfigKeyFmt = "[-._a-zA-Z0-9]+";

// validation.RegexError, examples and spacing included.
std::string regex_error(const std::string& msg, const std::string& fmt,
                        const std::vector<std::string>& examples) {
  std::string out = msg + " (e.g. ";
  for (size_t i = 0; i < examples.size(); ++i) {
    if (i > 0) out += " or ";
    out += "'" + examples[i] + "', ";
  }
  return out + "regex used for validation is '" + fmt + "')";
}

std::string max_len(size_t n) {
  return "must be no more than " + std::to_string(n) + " characters";
}

bool full_match(std::string_view value, const char* fmt) {
  static thread_local std::map<const char*, std::regex> cache;
  auto it = cache.find(fmt);
  if (it == cache.end()) it = cache.emplace(fmt, std::regex(fmt, std::regex::ECMAScript)).first;
  return std::regex_match(value.begin(), value.end(), it->second);
}

}  // namespace

std::vector<std::string> dns1123_subdomain_errors(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > 253) errs.push_back(max_len(253));
  if (!full_match(value, kSubdomainFmt)) {
    errs.push_back(regex_error(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
        "or '.', and must start and end with an alphanumeric character",
        kSubdomainFmt, {"example.com"}));
  }
  return errs;
}

std::vector<std::string> dns1123_label_errors(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > 63) errs.push_back(max_len(63));
  if (!full_match(value, kLabelFmt)) {
    errs.push_back(regex_error(
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
        "and must start and end with an alphanumeric character",
        kLabelFmt, {"my-name", "123-abc"}));
  }
  return errs;
}

std::vector<std::string> config_map_key_errors(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > 253) errs.push_back(max_len(253));
  if (!full_match(value, kConfigKeyFmt)) {
    errs.push_back(
        regex_error("a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
                    kConfigKeyFmt, {"key.name", "KEY_NAME", "key-name"}));
  }
  if (value == ".") {
    errs.push_back("must not be '.'");
  } else if (value == "..") {
    errs.push_back("must not be '..'");
  } else if (value.starts_with("..")) {
    errs.push_back("must not start with '..'");
  }
  return errs;
}

}  // namespace kmslab::apiserver::k8s
