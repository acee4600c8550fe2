#pragma once
// The KMS plugin clients over the Unix socket, dialled as kube-apiserver dials them
// ([AS] envelope/grpc_service.go, kmsv2/grpc_service.go; kms.md §1.4): plaintext HTTP/2,
// WaitForReady (a call waits for the socket until its deadline instead of failing fast), a
// per-call deadline of the provider's `timeout` (real time: it bounds a wait for an answer),
// and for v2 the authority "localhost". v1 checks Version("v1beta1") lazily before its first
// other call and remembers a success.
#include <chrono>
#include <memory>
#include <string>

#include "emulator/apiserver/encryption/kms_service.hpp"

namespace kmslab::apiserver::encryption {

struct EncryptionMetrics;

/// gRPC C++ target for a config endpoint: "unix:///run/kms.sock" -> "unix:///run/kms.sock",
/// "unix:///@name" -> "unix-abstract:name" (Linux abstract socket). Throws std::invalid_argument
/// for anything that is not unix://.
std::string grpc_target(const std::string& endpoint);

/// `log` (optional) hears of every call, Version included.
std::shared_ptr<KmsV1Service> make_grpc_kms_v1(const std::string& endpoint,
                                               const std::string& provider_name,
                                               std::chrono::milliseconds timeout,
                                               KmsCallLog log = {});
/// `metrics` (optional) gets kms_operations_latency_seconds per call; `log` hears of every call.
std::shared_ptr<KmsV2Service> make_grpc_kms_v2(const std::string& endpoint,
                                               const std::string& provider_name,
                                               std::chrono::milliseconds timeout,
                                               EncryptionMetrics* metrics = nullptr,
                                               KmsCallLog log = {});

}  // namespace kmslab::apiserver::encryption
