#pragma once
// The gRPC channel credentials of an etcd cluster: insecure, or TLS as kube-apiserver's etcd
// client sets it up (etcd's transport.TLSInfo): the CA file or the system's roots, and a client
// certificate and key given together. Every file is read and checked once, before any member is
// dialled, so a bad file is a clear error at start rather than a handshake failure per call.
#include <grpcpp/grpcpp.h>

#include <memory>

#include "emulator/store/etcd_options.hpp"

namespace kmslab::store {

/// Throws StoreError naming the file and what is wrong with it.
std::shared_ptr<grpc::ChannelCredentials> etcd_channel_credentials(const EtcdOptions& options);

}  // namespace kmslab::store
