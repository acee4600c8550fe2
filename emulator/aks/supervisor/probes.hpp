#pragma once
// How the supervisor tells a process serves: what its log and its files say, and one HTTP GET
// (no retries, short timeouts: the supervisor's loop is the retry).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "emulator/core/clock.hpp"
#include "emulator/core/rng.hpp"

namespace kmslab::aks {

/// The plugin's health port, from its log line "health and metrics listening"
/// healthz="127.0.0.1:PORT/healthz" (plugin/main.cpp); nullopt until it is logged.
std::optional<uint16_t> plugin_healthz_port(std::string_view log);
/// The plugin has bound its socket ("Listening for connections", upstream's line).
bool plugin_listening(std::string_view log);

/// What the apiserver's kubeconfig names (<data-dir>/kubeconfig, written once it listens).
struct ApiserverAccess {
  std::string url;
  std::string token;
  std::string ca_file;
};
/// nullopt when the file is missing or not (yet) a kubeconfig with a server and a token.
std::optional<ApiserverAccess> read_kubeconfig(const std::filesystem::path& file);
/// The same from the file's text (JSON, as kmslab-apiserver writes it).
std::optional<ApiserverAccess> parse_kubeconfig(std::string_view text);

struct ProbeResult {
  bool ok = false;      // answered 200
  std::string problem;  // otherwise: "answered 503: <body>" or the transport error
};
struct Fetched {
  bool answered = false;  // an HTTP answer came back
  unsigned status = 0;
  std::string body;
  std::string error;  // the transport error when not answered
};
/// GET `url` once (trusting `ca_pem` for https; the bearer `token` if not empty).
Fetched fetch(const std::string& url, const std::string& ca_pem, const std::string& token,
              const core::Clock& clock, core::Rng& rng);

/// GET `url` (trusting `ca_pem` for https; the bearer `token` if not empty).
ProbeResult probe(const std::string& url, const std::string& ca_pem, const std::string& token,
                  const core::Clock& clock, core::Rng& rng);

}  // namespace kmslab::aks
