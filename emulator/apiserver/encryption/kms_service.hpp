#pragma once
// What the KMS transformers and probes need from a plugin, apart from how it is reached: the
// gRPC clients (kms_grpc.hpp) implement these over the Unix socket, tests may implement them in
// memory. Failures are RpcError, whose text is Go's gRPC status text
// ("rpc error: code = Unavailable desc = ..."), which kube-apiserver surfaces verbatim.
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "emulator/apiserver/encryption/transformer.hpp"

namespace kmslab::apiserver::encryption {

class RpcError : public TransformError {
 public:
  /// `code` is Go's codes.Code name: "Unavailable", "DeadlineExceeded", "FailedPrecondition", ...
  RpcError(std::string code, std::string desc)
      : TransformError("rpc error: code = " + code + " desc = " + desc),
        code_(std::move(code)),
        desc_(std::move(desc)) {}
  const std::string& code() const { return code_; }
  const std::string& desc() const { return desc_; }

 private:
  std::string code_, desc_;
};

/// One finished call to a plugin, for the apiserver's log: what was called, how long it took (real
/// time) and how it ended. Never the payload.
struct KmsCall {
  std::string provider;  // the provider's name in the EncryptionConfiguration
  std::string
      method;  // "/v2.KeyManagementService/Encrypt", "/v1beta1.KeyManagementService/Version"
  double seconds = 0;
  std::string code;   // Go's codes.Code name: "OK", "Unavailable", ...
  std::string error;  // the status message when not OK: the plugin's own text
};
using KmsCallLog = std::function<void(const KmsCall&)>;

/// KMS v1 (v1beta1): the client checks Version lazily before its first other call.
class KmsV1Service {
 public:
  virtual ~KmsV1Service() = default;
  virtual std::string encrypt(std::string_view plain) = 0;
  virtual std::string decrypt(std::string_view cipher) = 0;
};

using Annotations = std::map<std::string, std::string>;

struct V2Status {
  std::string version, healthz, key_id;
};
struct V2EncryptResult {
  std::string ciphertext, key_id;
  Annotations annotations;
};
struct V2DecryptRequest {
  std::string ciphertext, key_id;
  Annotations annotations;
};

class KmsV2Service {
 public:
  virtual ~KmsV2Service() = default;
  virtual V2Status status() = 0;
  virtual V2EncryptResult encrypt(std::string_view uid, std::string_view plain) = 0;
  virtual std::string decrypt(std::string_view uid, const V2DecryptRequest& request) = 0;
};

}  // namespace kmslab::apiserver::encryption
