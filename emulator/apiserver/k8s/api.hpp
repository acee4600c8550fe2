#pragma once
// The Kubernetes REST API of the simulated kube-apiserver: discovery and the namespaced and
// cluster-scoped resources of kinds.hpp over the storage layer. Handlers answer every error as a
// Status (status.hpp); the pipeline's own errors become one through status_from_api_error.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "emulator/apiserver/encryption/provider_set.hpp"
#include "emulator/apiserver/k8s/decode.hpp"
#include "emulator/apiserver/k8s/watch_cache.hpp"
#include "emulator/apiserver/storage/object_storage.hpp"
#include "emulator/core/clock.hpp"
#include "emulator/core/rng.hpp"
#include "emulator/core/router.hpp"

namespace kmslab::apiserver::k8s {

struct ApiOptions {
  std::string kubernetes_version = "1.32.0";  // "1.29" or "1.29.4"; /version reports it
  std::string bearer_token;                   // required on every API path
  /// Read-only pods (JSON objects with metadata.name and metadata.namespace), e.g. the
  /// konnectivity-agent pods of kube-system (seed N3).
  std::vector<nlohmann::json> pods;
  /// The encryption layer's checks (ProviderSet::checks): on /healthz and /readyz, not /livez.
  std::vector<encryption::HealthCheck> kms_checks;
  /// Feeds every watch; null: watches are refused.
  std::shared_ptr<WatchCache> watch_cache;
};

/// The /version document for "1.29" / "1.29.4".
nlohmann::json version_info(const std::string& kubernetes_version);

class KubeApi {
 public:
  KubeApi(storage::ObjectStorage& storage, const core::Clock& clock, core::Rng& rng,
          ApiOptions options);

  /// Creates default, kube-system, kube-public and kube-node-lease when missing.
  void ensure_default_namespaces();
  void register_routes(core::Router& router);

 private:
  core::Result<core::Reply> list(core::RequestContext& ctx, const std::string& ns);
  core::Result<core::Reply> get(core::RequestContext& ctx, const std::string& ns);
  core::Result<core::Reply> create(core::RequestContext& ctx, const std::string& ns);
  core::Result<core::Reply> replace(core::RequestContext& ctx, const std::string& ns);
  core::Result<core::Reply> patch(core::RequestContext& ctx, const std::string& ns);
  using Next = std::variant<DecodedBody, Status>;
  core::Result<core::Reply> write_update(
      core::RequestContext& ctx, const Kind& kind, const std::string& ns,
      const std::function<Next(const nlohmann::json&)>& make_next);
  core::Result<core::Reply> remove(core::RequestContext& ctx, const std::string& ns);
  core::Result<core::Reply> watch(core::RequestContext& ctx, const Kind& kind,
                                  const std::string& ns);
  core::Result<core::Reply> list_pods(core::RequestContext& ctx, const std::string& ns);

  core::Result<core::Reply> raw(core::RequestContext& ctx);
  void register_health(core::Router& router, core::Router::GroupId group);
  std::string manager_of(const core::RequestContext& ctx, const char* verb) const;
  std::string now_text() const;

  storage::ObjectStorage& storage_;
  const core::Clock& clock_;
  core::Rng& rng_;
  ApiOptions options_;
};

}  // namespace kmslab::apiserver::k8s
