#include "emulator/aks/supervisor/probes.hpp"

#include <charconv>
#include <nlohmann/json.hpp>

#include "emulator/core/client/http_client.hpp"
#include "emulator/core/files.hpp"

namespace kmslab::aks {

std::optional<uint16_t> plugin_healthz_port(std::string_view log) {
  const auto line = log.rfind("health and metrics listening");
  if (line == std::string_view::npos) return std::nullopt;
  const auto field = log.find("healthz=\"", line);
  if (field == std::string_view::npos) return std::nullopt;
  const auto end = log.find('"', field + 9);
  const auto value = log.substr(field + 9, end == std::string_view::npos ? 0 : end - field - 9);
  const auto colon = value.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  unsigned port = 0;
  const char* first = value.data() + colon + 1;
  const auto [ptr, ec] = std::from_chars(first, value.data() + value.size(), port);
  if (ec != std::errc() || ptr == first || port == 0 || port > 65535) return std::nullopt;
  return static_cast<uint16_t>(port);
}

bool plugin_listening(std::string_view log) {
  return log.find("\"Listening for connections\"") != std::string_view::npos;
}

std::optional<ApiserverAccess> read_kubeconfig(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return std::nullopt;
  std::string text;
  try {
    text = core::read_file(file);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return parse_kubeconfig(text);
}

std::optional<ApiserverAccess> parse_kubeconfig(std::string_view text) {
  const auto j = nlohmann::json::parse(text, nullptr, false);
  try {
    ApiserverAccess a;
    const auto& cluster = j.at("clusters").at(0).at("cluster");
    a.url = cluster.at("server").get<std::string>();
    a.ca_file = cluster.at("certificate-authority").get<std::string>();
    a.token = j.at("users").at(0).at("user").at("token").get<std::string>();
    return a;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

Fetched fetch(const std::string& url, const std::string& ca_pem, const std::string& token,
              const core::Clock& clock, core::Rng& rng) {
  core::client::ClientOptions o;
  o.ca_pem = ca_pem;
  o.connect_timeout = std::chrono::milliseconds(1'000);
  o.read_timeout = std::chrono::milliseconds(5'000);
  o.retry.max_attempts = 1;
  o.user_agent = "kmslab-aks-supervisor";
  try {
    core::client::HttpClient client(o, clock, rng);
    core::client::Request request;
    request.url = url;
    if (!token.empty()) request.headers.emplace_back("Authorization", "Bearer " + token);
    auto response = client.send(request);
    return {true, response.status, std::move(response.body), ""};
  } catch (const std::exception& e) {
    return {false, 0, "", e.what()};
  }
}

ProbeResult probe(const std::string& url, const std::string& ca_pem, const std::string& token,
                  const core::Clock& clock, core::Rng& rng) {
  const Fetched f = fetch(url, ca_pem, token, clock, rng);
  if (!f.answered) return {false, f.error};
  if (f.status == 200) return {true, ""};
  std::string body = f.body.substr(0, 2000);
  while (!body.empty() && body.back() == '\n') body.pop_back();
  return {false, "answered " + std::to_string(f.status) + ": " + body};
}

}  // namespace kmslab::aks
