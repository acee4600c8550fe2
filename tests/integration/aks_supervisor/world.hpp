#pragma once
// A running emulator (in this process, so the test drives its supervisor directly) with what an
// AKS KMS cluster needs: a vault whose access policy lets a user-assigned identity encrypt and
// decrypt, and RSA keys in it. Set up through the emulator's public APIs (Entra ID, ARM, Key
// Vault, the identity admin route) over its CONNECT proxy, as a deployment script would.
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "emulator/app/emulator.hpp"
#include "emulator/core/client/http_client.hpp"

namespace kmslab::test {

inline constexpr const char* kSubscription = "3b7c1d2e-4f5a-4b6c-8d7e-9f0a1b2c3d4e";
inline constexpr const char* kTenant = "6f2a3b4c-5d6e-4f70-8192-a3b4c5d6e7f8";

class World {
 public:
  /// `cluster_store`: --aks-cluster-store (embedded, or etcd: a member per cluster).
  explicit World(const std::filesystem::path& dir, std::chrono::milliseconds start_timeout,
                 const std::string& cluster_store = "embedded");
  ~World();

  app::Emulator& emulator() { return *emulator_; }
  aks::ProcessSupervisor& supervisor() { return emulator_->supervisor(); }
  /// A new version of key `name` in the vault; returns its version.
  std::string create_key(const std::string& name);
  /// Sends through the emulator's proxy with its CA trusted.
  core::client::Response call(const std::string& method, const std::string& url,
                              const std::string& token, const std::string& body = "",
                              const std::string& content_type = "application/json");
  /// An Entra ID client-credentials token for `scope`.
  std::string token(const std::string& scope);
  /// A version of key "kek" of the vault as a KMS provider.
  aks::KmsKey key(const std::string& version,
                  const std::string& provider = "azurekmsprovider") const;
  /// A KMS cluster named `name` (FQDN <name>-5c2b7a9e.hcp.eastus.azmk8s.io) using the identity.
  aks::ControlPlaneSpec spec(const std::string& name, std::vector<aks::KmsKey> keys) const;
  /// Applies and waits (bounded) for `done`, which must come exactly once.
  aks::ControlPlaneState apply(const aks::ControlPlaneSpec& spec);

  std::string vault = "akskms";
  std::string identity_client_id, identity_principal_id, identity_resource_id;

 private:
  std::unique_ptr<app::Emulator> emulator_;
  std::unique_ptr<core::VirtualClock> clock_;
  std::unique_ptr<core::Rng> rng_;
  std::unique_ptr<core::client::HttpClient> http_;
  std::string vault_token_;
};

/// A fresh directory under the temp dir, named for this process and `name`.
std::filesystem::path temp_dir(const std::string& name);
bool alive(pid_t pid);
/// /proc/PID/cmdline (NUL-separated), empty once the process is gone.
std::string cmdline(pid_t pid);

/// Polls `predicate` until it holds or `limit` passes; its last answer.
template <class F>
bool eventually(F&& predicate, std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return predicate();
}

/// Runs a program to completion (bounded by `timeout`), its output in `output`; returns the
/// wait status.
int run(const std::string& program, const std::vector<std::string>& args,
        const std::vector<std::string>& env, const std::filesystem::path& output,
        std::chrono::milliseconds timeout = std::chrono::seconds(60));

}  // namespace kmslab::test
