#include "plugin/grpc/services.hpp"

#include <grpcpp/support/time.h>

namespace kmslab::plugin {
namespace {

grpc::Status to_status(const KmsError& e) {
  if (e.message.empty()) return grpc::Status::OK;
  return {e.invalid_argument ? grpc::StatusCode::INVALID_ARGUMENT : grpc::StatusCode::UNKNOWN,
          e.message};
}

}  // namespace

core::client::Deadline deadline_of(const grpc::ServerContext& ctx) {
  const auto system_deadline = ctx.deadline();
  const auto now_system = core::wall_clock_now();  // gRPC deadlines are wall-clock times
  const auto now_steady = std::chrono::steady_clock::now();
  const auto cap = now_steady + std::chrono::hours(1);
  if (system_deadline >= now_system + std::chrono::hours(1)) return cap;
  return now_steady + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                          system_deadline - now_system);
}

grpc::Status ServiceV1::Version(grpc::ServerContext*, const v1beta1::VersionRequest*,
                                v1beta1::VersionResponse* out) {
  const std::string no_error;
  MetricsScope rpc(metrics_, "grpc_version", no_error);
  out->set_version(kKmsV1ApiVersion);
  out->set_runtime_name(kRuntimeName);
  out->set_runtime_version(kms_.build_version());
  return grpc::Status::OK;
}

grpc::Status ServiceV1::Encrypt(grpc::ServerContext* ctx, const v1beta1::EncryptRequest* in,
                                v1beta1::EncryptResponse* out) {
  KmsError e;
  MetricsScope rpc(metrics_, "grpc_encrypt", e.message), op(metrics_, "encrypt", e.message);
  out->set_cipher(kms_.v1_encrypt(in->plain(), deadline_of(*ctx), e));
  return to_status(e);
}

grpc::Status ServiceV1::Decrypt(grpc::ServerContext* ctx, const v1beta1::DecryptRequest* in,
                                v1beta1::DecryptResponse* out) {
  KmsError e;
  MetricsScope rpc(metrics_, "grpc_decrypt", e.message), op(metrics_, "decrypt", e.message);
  out->set_plain(kms_.v1_decrypt(in->cipher(), deadline_of(*ctx), e));
  return to_status(e);
}

grpc::Status ServiceV2::Status(grpc::ServerContext* ctx, const v2::StatusRequest*,
                               v2::StatusResponse* out) {
  KmsError e;
  MetricsScope rpc(metrics_, "grpc_status", e.message);
  if (!kms_.v2_status(deadline_of(*ctx), e)) return to_status(e);
  out->set_version(kKmsV2ApiVersion);
  out->set_healthz("ok");
  out->set_key_id(kms_.key_id());
  return grpc::Status::OK;
}

grpc::Status ServiceV2::Encrypt(grpc::ServerContext* ctx, const v2::EncryptRequest* in,
                                v2::EncryptResponse* out) {
  KmsError e;
  MetricsScope rpc(metrics_, "grpc_encrypt", e.message), op(metrics_, "encrypt", e.message);
  V2Encrypted r = kms_.v2_encrypt(in->plaintext(), deadline_of(*ctx), e);
  if (!e.message.empty()) return to_status(e);
  out->set_ciphertext(r.ciphertext);
  out->set_key_id(r.key_id);
  for (auto& [k, v] : r.annotations) (*out->mutable_annotations())[k] = v;
  return grpc::Status::OK;
}

grpc::Status ServiceV2::Decrypt(grpc::ServerContext* ctx, const v2::DecryptRequest* in,
                                v2::DecryptResponse* out) {
  KmsError e;
  MetricsScope rpc(metrics_, "grpc_decrypt", e.message), op(metrics_, "decrypt", e.message);
  Annotations annotations(in->annotations().begin(), in->annotations().end());
  out->set_plaintext(
      kms_.v2_decrypt(in->ciphertext(), in->key_id(), annotations, deadline_of(*ctx), e));
  return to_status(e);
}

}  // namespace kmslab::plugin
