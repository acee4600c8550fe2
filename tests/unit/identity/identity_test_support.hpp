#pragma once
// Shared by the identity unit tests: one signing key for the whole binary (RSA key generation
// is the slow part), a scratch directory, and a Router + Dispatcher to drive routes with.
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "emulator/core/dispatcher.hpp"
#include "emulator/identity/jwt.hpp"
#include "emulator/identity/signing_key.hpp"
#include "emulator/store/store.hpp"
#include "tests/support/temp_dir.hpp"

namespace kmslab::identity::testing {

inline std::shared_ptr<const SigningKey> shared_key() {
  static const auto key = std::make_shared<const SigningKey>(SigningKey::generate());
  return key;
}

using TempDir = kmslab::testing::TempDir;

/// The claims of a token reply's access_token, verified with shared_key() at `now`; empty when
/// the signature or the times do not verify.
inline nlohmann::json verified_token_claims(const core::HttpResponse& r, core::TimePoint now) {
  const auto body = nlohmann::json::parse(r.body(), nullptr, false);
  if (!body.is_object() || !body.contains("access_token")) return nlohmann::json();
  const auto result = jwt::verify(body["access_token"].get<std::string>(), *shared_key(), now);
  return result.ok() ? result.claims() : nlohmann::json();
}

/// Routes registered on `router`, called through the real Dispatcher (call finish() once they
/// are), on a manual clock at 2026-05-01T10:00:00Z, with an in-memory store for a Directory.
struct RouteHarness {
  using Headers = std::vector<std::pair<std::string, std::string>>;

  RouteHarness()
      : clock(core::VirtualClock::Mode::kManual, *core::parse_rfc3339("2026-05-01T10:00:00Z")),
        rng(7),
        logger(nullptr, core::LogLevel::kInfo),
        store(store::open_store("memory")) {}

  void finish() {
    dispatcher = std::make_unique<core::Dispatcher>(router, clock, rng, logger, metrics);
  }

  core::HttpResponse send(core::http::verb method, const std::string& target,
                          const Headers& headers = {}, std::string body = {},
                          const std::string& host = "localhost:8443") {
    core::HttpRequest req{method, target, 11};
    req.set(core::http::field::host, host);
    for (const auto& [name, value] : headers) req.set(name, value);
    req.body() = std::move(body);
    req.prepare_payload();
    return dispatcher->handle(std::move(req), conn);
  }

  static nlohmann::json body(const core::HttpResponse& r) {
    return nlohmann::json::parse(r.body());
  }

  core::VirtualClock clock;
  core::SeededRng rng;
  core::Logger logger;
  core::MetricsRegistry metrics;
  std::unique_ptr<store::Store> store;
  core::Router router;
  std::unique_ptr<core::Dispatcher> dispatcher;
  core::ConnectionInfo conn{"127.0.0.1", 5555, 8443, true, "", ""};
};

}  // namespace kmslab::identity::testing
