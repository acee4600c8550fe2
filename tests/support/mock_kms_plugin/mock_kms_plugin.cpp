#include "tests/support/mock_kms_plugin/mock_kms_plugin.hpp"

#include <grpcpp/grpcpp.h>

#include <condition_variable>
#include <stdexcept>

#include "emulator/apiserver/encryption/kms_grpc.hpp"
#include "emulator/core/base64url.hpp"
#include "kms/v1beta1/api.grpc.pb.h"
#include "kms/v2/api.grpc.pb.h"

namespace kmslab::testing {

struct MockKmsPlugin::State {
  mutable std::mutex mu;
  std::string key_id = "1", version = "v2beta1", healthz = "ok", last_plaintext;
  bool failed = false;
  bool held = false;  // decrypts wait until released (a slow Key Vault, without a sleep)
  std::condition_variable released;
  std::atomic<int> version_calls{0}, status_calls{0}, encrypt_calls{0}, decrypt_calls{0},
      bad_authority{0};

  grpc::Status failure() const {
    std::lock_guard l(mu);
    if (failed)
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                          "failed precondition - key disabled");
    return grpc::Status::OK;
  }
  // Bounded, so that a test that forgets to release cannot hang the plugin.
  void wait_while_held() {
    std::unique_lock l(mu);
    released.wait_for(l, std::chrono::seconds(60), [this] { return !held; });
  }
};

namespace {

using State = MockKmsPlugin::State;

class V1 final : public v1beta1::KeyManagementService::Service {
 public:
  explicit V1(std::shared_ptr<State> s) : s_(std::move(s)) {}
  grpc::Status Version(grpc::ServerContext*, const v1beta1::VersionRequest*,
                       v1beta1::VersionResponse* r) override {
    ++s_->version_calls;
    r->set_version("v1beta1");
    r->set_runtime_name("testKMS");
    r->set_runtime_version("0.0.1");
    return grpc::Status::OK;
  }
  grpc::Status Encrypt(grpc::ServerContext*, const v1beta1::EncryptRequest* q,
                       v1beta1::EncryptResponse* r) override {
    ++s_->encrypt_calls;
    if (auto f = s_->failure(); !f.ok()) return f;
    r->set_cipher(core::base64_encode(q->plain()));
    return grpc::Status::OK;
  }
  grpc::Status Decrypt(grpc::ServerContext*, const v1beta1::DecryptRequest* q,
                       v1beta1::DecryptResponse* r) override {
    ++s_->decrypt_calls;
    s_->wait_while_held();
    if (auto f = s_->failure(); !f.ok()) return f;
    auto plain = core::base64_decode(q->cipher());
    if (!plain) return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "illegal base64 data");
    r->set_plain(*plain);
    return grpc::Status::OK;
  }

 private:
  std::shared_ptr<State> s_;
};

class V2 final : public v2::KeyManagementService::Service {
 public:
  explicit V2(std::shared_ptr<State> s) : s_(std::move(s)) {}
  grpc::Status Status(grpc::ServerContext* c, const v2::StatusRequest*,
                      v2::StatusResponse* r) override {
    ++s_->status_calls;
    check_authority(c);
    if (auto f = s_->failure(); !f.ok()) return f;
    std::lock_guard l(s_->mu);
    r->set_version(s_->version);
    r->set_healthz(s_->healthz);
    r->set_key_id(s_->key_id);
    return grpc::Status::OK;
  }
  grpc::Status Encrypt(grpc::ServerContext* c, const v2::EncryptRequest* q,
                       v2::EncryptResponse* r) override {
    ++s_->encrypt_calls;
    check_authority(c);
    if (auto f = s_->failure(); !f.ok()) return f;
    if (q->uid().empty())
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "uid is required");
    std::lock_guard l(s_->mu);
    s_->last_plaintext = q->plaintext();
    r->set_ciphertext(core::base64_encode(q->plaintext()));
    r->set_key_id(s_->key_id);
    (*r->mutable_annotations())["local-kek.kms.kubernetes.io"] = "encrypted-local-kek";
    return grpc::Status::OK;
  }
  grpc::Status Decrypt(grpc::ServerContext* c, const v2::DecryptRequest* q,
                       v2::DecryptResponse* r) override {
    ++s_->decrypt_calls;
    s_->wait_while_held();
    check_authority(c);
    if (auto f = s_->failure(); !f.ok()) return f;
    if (q->uid().empty())
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "uid is required");
    auto plain = core::base64_decode(q->ciphertext());
    if (!plain) return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "illegal base64 data");
    r->set_plaintext(*plain);
    return grpc::Status::OK;
  }

 private:
  void check_authority(grpc::ServerContext* c) {
    // gRPC C++'s sync server does not expose :authority (ExperimentalGetAuthority crashes
    // outside the callback API), so only a "host" header, if a client sends one, is checked.
    auto& md = c->client_metadata();
    if (auto it = md.find("host");
        it != md.end() && std::string(it->second.data(), it->second.size()) != "localhost")
      ++s_->bad_authority;
  }
  std::shared_ptr<State> s_;
};

struct Services {
  std::unique_ptr<V1> v1;
  std::unique_ptr<V2> v2;
};

}  // namespace

MockKmsPlugin::MockKmsPlugin(const std::string& endpoint)
    : state_(std::make_shared<State>()),
      version_calls_(state_->version_calls),
      status_calls_(state_->status_calls),
      encrypt_calls_(state_->encrypt_calls),
      decrypt_calls_(state_->decrypt_calls),
      bad_authority_(state_->bad_authority) {
  // The services must outlive the server; they are kept with it through a static-free holder.
  auto services = std::make_shared<Services>(
      Services{std::make_unique<V1>(state_), std::make_unique<V2>(state_)});
  grpc::ServerBuilder b;
  b.AddListeningPort(apiserver::encryption::grpc_target(endpoint),
                     grpc::InsecureServerCredentials());
  b.RegisterService(services->v1.get());
  b.RegisterService(services->v2.get());
  server_ = b.BuildAndStart();
  if (!server_) throw std::runtime_error("mock KMS plugin: cannot listen on " + endpoint);
  services_ = std::move(services);
}

MockKmsPlugin::~MockKmsPlugin() {
  shutdown();
}

void MockKmsPlugin::shutdown() {
  hold_decrypts(false);  // Shutdown waits for the calls in flight
  if (server_) {
    server_->Shutdown();
    server_->Wait();
    server_.reset();
  }
}

void MockKmsPlugin::set_key_id(std::string key_id) {
  std::lock_guard l(state_->mu);
  state_->key_id = std::move(key_id);
}

void MockKmsPlugin::update_key_id() {
  std::lock_guard l(state_->mu);
  state_->key_id = state_->key_id == "1" ? "2" : state_->key_id + "-next";
}

std::string MockKmsPlugin::key_id() const {
  std::lock_guard l(state_->mu);
  return state_->key_id;
}

void MockKmsPlugin::set_status_version(std::string version) {
  std::lock_guard l(state_->mu);
  state_->version = std::move(version);
}

void MockKmsPlugin::set_healthz(std::string healthz) {
  std::lock_guard l(state_->mu);
  state_->healthz = std::move(healthz);
}

void MockKmsPlugin::enter_failed_state() {
  std::lock_guard l(state_->mu);
  state_->failed = true;
}

void MockKmsPlugin::exit_failed_state() {
  std::lock_guard l(state_->mu);
  state_->failed = false;
}

void MockKmsPlugin::hold_decrypts(bool held) {
  {
    std::lock_guard l(state_->mu);
    state_->held = held;
  }
  state_->released.notify_all();
}

std::string MockKmsPlugin::last_encrypt_plaintext() const {
  std::lock_guard l(state_->mu);
  return state_->last_plaintext;
}

}  // namespace kmslab::testing
