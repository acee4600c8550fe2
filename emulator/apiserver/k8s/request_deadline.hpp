#pragma once
// kube-apiserver's request deadline, the parts that need no sockets: which requests are long-
// running (exempt), the timeout a request gets, and the answers at its end
// (k8s.io/apiserver pkg/endpoints/filters/request_deadline.go, pkg/server/filters/timeout.go).
#include <map>
#include <string>
#include <string_view>
#include <variant>

#include "emulator/apiserver/k8s/status.hpp"
#include "emulator/core/clock.hpp"
#include "emulator/core/http.hpp"

namespace kmslab::apiserver::k8s {

using Query = std::map<std::string, std::string>;

/// ?watch as kube-apiserver's parameter codec reads a bool (runtime.Convert_Slice_string_To_bool):
/// present and not "0" or "false" (any case).
bool watch_requested(const Query& query);

/// The LongRunningRequestCheck for what kmslab serves (BasicLongRunningRequestCheck with the
/// verbs watch and proxy, RequestInfoFactory's parse of the path): /api/v1/watch/... (and
/// /apis/G/V/watch/...), and a GET of a collection with ?watch. Requests outside /api and /apis
/// are not resource requests and never long-running.
bool is_long_running(std::string_view method, std::string_view path, const Query& query);

/// WithRequestDeadline: `request_timeout`, or ?timeout= when it is shorter and above zero; an
/// unparsable one is kube-apiserver's 400.
std::variant<core::Duration, Status> request_timeout_of(const Query& query,
                                                        core::Duration request_timeout);

/// What the client gets at the deadline: apierrors.NewTimeoutError("request did not complete
/// within the allotted timeout", 0), which timeout.go writes with json.Encoder and no
/// Content-Type, so Go's server sniffs text/plain (and client-go reads it as an unstructured 504).
core::Reply timeout_reply();

/// When no handler thread is free and the queue is full: the rejection of priority and fairness
/// (filters/priority-and-fairness.go tooManyRequests, through http.Error).
core::Reply too_many_requests_reply();

}  // namespace kmslab::apiserver::k8s
