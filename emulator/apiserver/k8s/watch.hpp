#pragma once
// GET ...?watch=true (and the legacy /api/v1/watch/... paths): kube-apiserver's watch response,
// a chunked stream of JSON lines {"type":"ADDED","object":{...}}, or of Table rows when kubectl
// asks for a Table (kubectl get -w), fed by the watch cache (watch_cache.hpp).
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "emulator/apiserver/k8s/kinds.hpp"
#include "emulator/apiserver/k8s/watch_cache.hpp"
#include "emulator/core/rng.hpp"
#include "emulator/core/router.hpp"

namespace kmslab::apiserver::k8s {

/// ?watch as kube-apiserver reads it (request_deadline.hpp watch_requested).
bool is_watch(const core::RequestContext& ctx);

/// The watch options of the query (resourceVersion, timeoutSeconds, allowWatchBookmarks,
/// sendInitialEvents), or the Status kube-apiserver answers for bad ones.
std::variant<WatchRequest, Status> parse_watch_request(const core::RequestContext& ctx,
                                                       const Kind& kind, const std::string& ns,
                                                       core::TimePoint now, core::Rng& rng);

/// Encodes events for the client: JSON lines, or Table rows (column definitions in the first
/// event only, as kube-apiserver saves bandwidth on watches).
std::function<std::string(const WatchEvent&)> watch_encoder(const Kind& kind, bool table,
                                                            const core::Clock& clock);

/// Starts the watch and answers with its stream.
core::Result<core::Reply> serve_watch(const core::RequestContext& ctx, WatchRequest request,
                                      const std::shared_ptr<WatchCache>& cache,
                                      const core::Clock& clock);

}  // namespace kmslab::apiserver::k8s
