#pragma once
// The two gRPC services upstream registers on one server (v1beta1 and v2), over KmsContract.
#include "kms/v1beta1/api.grpc.pb.h"
#include "kms/v2/api.grpc.pb.h"
#include "plugin/grpc/kms_contract.hpp"
#include "plugin/metrics/kms_metrics.hpp"

namespace kmslab::plugin {

class ServiceV1 final : public v1beta1::KeyManagementService::Service {
 public:
  ServiceV1(KmsContract& kms, KmsMetrics* metrics) : kms_(kms), metrics_(metrics) {}
  grpc::Status Version(grpc::ServerContext*, const v1beta1::VersionRequest*,
                       v1beta1::VersionResponse*) override;
  grpc::Status Encrypt(grpc::ServerContext*, const v1beta1::EncryptRequest*,
                       v1beta1::EncryptResponse*) override;
  grpc::Status Decrypt(grpc::ServerContext*, const v1beta1::DecryptRequest*,
                       v1beta1::DecryptResponse*) override;

 private:
  KmsContract& kms_;
  KmsMetrics* metrics_;
};

class ServiceV2 final : public v2::KeyManagementService::Service {
 public:
  ServiceV2(KmsContract& kms, KmsMetrics* metrics) : kms_(kms), metrics_(metrics) {}
  grpc::Status Status(grpc::ServerContext*, const v2::StatusRequest*, v2::StatusResponse*) override;
  grpc::Status Encrypt(grpc::ServerContext*, const v2::EncryptRequest*,
                       v2::EncryptResponse*) override;
  grpc::Status Decrypt(grpc::ServerContext*, const v2::DecryptRequest*,
                       v2::DecryptResponse*) override;

 private:
  KmsContract& kms_;
  KmsMetrics* metrics_;
};

/// The request's gRPC deadline as the client's deadline (none: an hour, so nothing waits forever).
core::client::Deadline deadline_of(const grpc::ServerContext& ctx);

}  // namespace kmslab::plugin
