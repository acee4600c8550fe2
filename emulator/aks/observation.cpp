#include "emulator/aks/observation.hpp"

#include <charconv>
#include <nlohmann/json.hpp>

namespace kmslab::aks {

namespace {

using nlohmann::json;

template <typename T>
bool get(const json& j, const char* key, T& out) {
  auto it = j.find(key);
  if (it == j.end()) return false;
  if constexpr (std::is_same_v<T, std::string>) {
    if (!it->is_string()) return false;
  } else if constexpr (std::is_same_v<T, double>) {
    if (!it->is_number()) return false;
  } else {
    if (!it->is_number_unsigned()) return false;
  }
  out = it->get<T>();
  return true;
}

// A Go %q string starting at `at` (the opening quote); advances `at` past the closing quote.
std::optional<std::string> go_unquote(std::string_view s, size_t& at) {
  if (at >= s.size() || s[at] != '"') return std::nullopt;
  std::string out;
  for (size_t i = at + 1; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '"') {
      at = i + 1;
      return out;
    }
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i >= s.size()) return std::nullopt;
    switch (s[i]) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      default:
        out += s[i];  // \" \\ and the rest kept as the character
    }
  }
  return std::nullopt;
}

std::optional<std::string> quoted_field(std::string_view s, std::string_view name) {
  const auto at = s.find(name);
  if (at == std::string_view::npos) return std::nullopt;
  size_t pos = at + name.size();
  return go_unquote(s, pos);
}

}  // namespace

std::vector<KmsCallRecord> parse_kms_calls(std::string_view body) {
  std::vector<KmsCallRecord> out;
  const json j = json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("calls") || !j["calls"].is_array()) return out;
  for (const auto& c : j["calls"]) {
    if (!c.is_object()) continue;
    KmsCallRecord r;
    if (!get(c, "seq", r.seq) || !get(c, "time", r.time) || !get(c, "provider", r.provider) ||
        !get(c, "method", r.method) || !get(c, "code", r.code) || !get(c, "seconds", r.seconds) ||
        !get(c, "error", r.error))
      continue;
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<std::string> failing_health_checks(std::string_view body) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < body.size()) {
    const size_t end = std::min(body.find('\n', start), body.size());
    const std::string_view line = body.substr(start, end - start);
    const auto failed = line.find(" failed:");
    if (line.starts_with("[-]") && failed != std::string_view::npos && failed > 3)
      out.emplace_back(line.substr(3, failed - 3));
    start = end + 1;
  }
  return out;
}

std::string RelayedVaultError::headline() const {
  std::string text = message;
  if (!text.empty() && text.back() == '.') text.pop_back();
  return (inner_code.empty() ? code : inner_code) + ": " + text;
}

std::optional<RelayedVaultError> parse_relayed_vault_error(std::string_view e) {
  constexpr std::string_view kStatus = "Service returned an error. Status=";
  const auto at = e.find(kStatus);
  if (at == std::string_view::npos) return std::nullopt;
  RelayedVaultError r;
  const char* first = e.data() + at + kStatus.size();
  const auto [ptr, ec] = std::from_chars(first, e.data() + e.size(), r.status);
  if (ec != std::errc() || ptr == first) return std::nullopt;
  const std::string_view rest = e.substr(ptr - e.data());
  auto code = quoted_field(rest, " Code=");
  auto message = quoted_field(rest, " Message=");
  if (!code || !message) return std::nullopt;
  r.code = *code;
  r.message = *message;
  const auto inner = rest.find(" InnerError=");
  if (inner != std::string_view::npos) {
    const json j = json::parse(rest.substr(inner + 12), nullptr, false);
    if (j.is_object() && j.contains("code") && j["code"].is_string()) r.inner_code = j["code"];
  }
  return r;
}

}  // namespace kmslab::aks
