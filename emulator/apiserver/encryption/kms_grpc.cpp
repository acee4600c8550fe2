#include "emulator/apiserver/encryption/kms_grpc.hpp"

#include <grpcpp/grpcpp.h>

#include <mutex>
#include <stdexcept>

#include "emulator/apiserver/encryption/encryption_metrics.hpp"
#include "emulator/core/clock.hpp"
#include "kms/v1beta1/api.grpc.pb.h"
#include "kms/v2/api.grpc.pb.h"

namespace kmslab::apiserver::encryption {
namespace {

constexpr const char* kV1ApiVersion = "v1beta1";

std::shared_ptr<grpc::Channel> dial(const std::string& endpoint, bool localhost_authority) {
  grpc::ChannelArguments args;
  if (localhost_authority) args.SetString(GRPC_ARG_DEFAULT_AUTHORITY, "localhost");
  // grpc-go (kube-apiserver) backs off reconnects from 1 s to 120 s of real time. The polls
  // that retry run on the virtual clock, often back to back in real time, so a plugin that comes
  // back would sit out a long real backoff: reconnects are retried within 100 ms to 1 s here.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  return grpc::CreateCustomChannel(grpc_target(endpoint), grpc::InsecureChannelCredentials(), args);
}

void prepare(grpc::ClientContext& ctx, std::chrono::milliseconds timeout) {
  ctx.set_wait_for_ready(true);
  ctx.set_deadline(core::wall_clock_now() + timeout);
}

[[noreturn]] void fail(const grpc::Status& s) {
  throw RpcError(grpc_code_name(static_cast<int>(s.error_code())), s.error_message());
}

/// Runs one unary call with the provider's deadline and reports it to the log (and, for v2, the
/// latency histogram). Latency is real time: it measures the plugin, not the simulated cluster.
template <typename F>
grpc::Status timed_call(const std::string& provider, const std::string& method,
                        std::chrono::milliseconds timeout, EncryptionMetrics* metrics,
                        const KmsCallLog& log, F&& rpc) {
  grpc::ClientContext ctx;
  prepare(ctx, timeout);
  const auto start = std::chrono::steady_clock::now();
  grpc::Status s = rpc(ctx);
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  const std::string code = grpc_code_name(static_cast<int>(s.error_code()));
  if (metrics) metrics->kms_latency.observe({provider, method, code}, took.count());
  if (log) log({provider, method, took.count(), code, s.ok() ? "" : s.error_message()});
  return s;
}

constexpr std::string_view kV1Service = "/v1beta1.KeyManagementService/";
constexpr std::string_view kV2Service = "/v2.KeyManagementService/";

class GrpcKmsV1 final : public KmsV1Service {
 public:
  GrpcKmsV1(const std::string& endpoint, std::string name, std::chrono::milliseconds timeout,
            KmsCallLog log)
      : stub_(v1beta1::KeyManagementService::NewStub(dial(endpoint, false))),
        name_(std::move(name)),
        timeout_(timeout),
        log_(std::move(log)) {}

  std::string encrypt(std::string_view plain) override {
    check_version();
    v1beta1::EncryptRequest req;
    req.set_version(kV1ApiVersion);
    req.set_plain(std::string(plain));
    v1beta1::EncryptResponse resp;
    if (auto s = call("Encrypt", [&](auto& c) { return stub_->Encrypt(&c, req, &resp); }); !s.ok())
      fail(s);
    return resp.cipher();
  }

  std::string decrypt(std::string_view cipher) override {
    check_version();
    v1beta1::DecryptRequest req;
    req.set_version(kV1ApiVersion);
    req.set_cipher(std::string(cipher));
    v1beta1::DecryptResponse resp;
    if (auto s = call("Decrypt", [&](auto& c) { return stub_->Decrypt(&c, req, &resp); }); !s.ok())
      fail(s);
    return resp.plain();
  }

 private:
  void check_version() {
    std::lock_guard l(mu_);
    if (version_checked_) return;
    v1beta1::VersionRequest req;
    req.set_version(kV1ApiVersion);
    v1beta1::VersionResponse resp;
    if (auto s = call("Version", [&](auto& c) { return stub_->Version(&c, req, &resp); }); !s.ok())
      throw TransformError("failed get version from remote KMS provider: rpc error: code = " +
                           grpc_code_name(static_cast<int>(s.error_code())) +
                           " desc = " + s.error_message());
    if (resp.version() != kV1ApiVersion)
      throw TransformError("KMS provider api version " + resp.version() +
                           " is not supported, only " + kV1ApiVersion + " is supported now");
    version_checked_ = true;
  }

  template <typename F>
  grpc::Status call(const char* method, F&& rpc) {
    return timed_call(name_, std::string(kV1Service) + method, timeout_, nullptr, log_, rpc);
  }

  std::unique_ptr<v1beta1::KeyManagementService::Stub> stub_;
  std::string name_;
  std::chrono::milliseconds timeout_;
  KmsCallLog log_;
  std::mutex mu_;
  bool version_checked_ = false;
};

class GrpcKmsV2 final : public KmsV2Service {
 public:
  GrpcKmsV2(const std::string& endpoint, std::string name, std::chrono::milliseconds timeout,
            EncryptionMetrics* metrics, KmsCallLog log)
      : stub_(v2::KeyManagementService::NewStub(dial(endpoint, true))),
        name_(std::move(name)),
        timeout_(timeout),
        metrics_(metrics),
        log_(std::move(log)) {}

  V2Status status() override {
    v2::StatusRequest req;
    v2::StatusResponse resp;
    call("Status", [&](grpc::ClientContext& c) { return stub_->Status(&c, req, &resp); });
    return {resp.version(), resp.healthz(), resp.key_id()};
  }

  V2EncryptResult encrypt(std::string_view uid, std::string_view plain) override {
    v2::EncryptRequest req;
    req.set_plaintext(std::string(plain));
    req.set_uid(std::string(uid));
    v2::EncryptResponse resp;
    call("Encrypt", [&](grpc::ClientContext& c) { return stub_->Encrypt(&c, req, &resp); });
    V2EncryptResult out{resp.ciphertext(), resp.key_id(), {}};
    for (const auto& [k, v] : resp.annotations()) out.annotations[k] = v;
    return out;
  }

  std::string decrypt(std::string_view uid, const V2DecryptRequest& r) override {
    v2::DecryptRequest req;
    req.set_ciphertext(r.ciphertext);
    req.set_uid(std::string(uid));
    req.set_key_id(r.key_id);
    for (const auto& [k, v] : r.annotations) (*req.mutable_annotations())[k] = v;
    v2::DecryptResponse resp;
    call("Decrypt", [&](grpc::ClientContext& c) { return stub_->Decrypt(&c, req, &resp); });
    return resp.plaintext();
  }

 private:
  template <typename F>
  void call(const char* method, F&& rpc) {
    const auto s =
        timed_call(name_, std::string(kV2Service) + method, timeout_, metrics_, log_, rpc);
    if (!s.ok()) fail(s);
  }

  std::unique_ptr<v2::KeyManagementService::Stub> stub_;
  std::string name_;
  std::chrono::milliseconds timeout_;
  EncryptionMetrics* metrics_;
  KmsCallLog log_;
};

}  // namespace

std::string grpc_target(const std::string& endpoint) {
  constexpr std::string_view scheme = "unix://";
  if (endpoint.size() < scheme.size() || endpoint.compare(0, scheme.size(), scheme) != 0)
    throw std::invalid_argument("unsupported KMS endpoint " + endpoint);
  std::string path = endpoint.substr(scheme.size());
  // url.Parse: the host part ("unix://host/path") is dropped; kube-apiserver uses u.Path only.
  const auto slash = path.find('/');
  path = slash == std::string::npos ? std::string() : path.substr(slash);
  if (path.starts_with("/@")) return "unix-abstract:" + path.substr(2);
  return "unix://" + path;
}

std::shared_ptr<KmsV1Service> make_grpc_kms_v1(const std::string& endpoint,
                                               const std::string& provider_name,
                                               std::chrono::milliseconds timeout, KmsCallLog log) {
  return std::make_shared<GrpcKmsV1>(endpoint, provider_name, timeout, std::move(log));
}

std::shared_ptr<KmsV2Service> make_grpc_kms_v2(const std::string& endpoint,
                                               const std::string& provider_name,
                                               std::chrono::milliseconds timeout,
                                               EncryptionMetrics* metrics, KmsCallLog log) {
  return std::make_shared<GrpcKmsV2>(endpoint, provider_name, timeout, metrics, std::move(log));
}

}  // namespace kmslab::apiserver::encryption
