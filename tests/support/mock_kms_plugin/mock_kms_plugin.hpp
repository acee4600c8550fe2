#pragma once
// A C++ version of Kubernetes' Base64 mock KMS plugins ([AS] envelope/testing/v1beta1 and
// v2 kms_plugin_mock.go; kms.md §8.1), both services on one Unix socket:
// - v1: Version {v1beta1, testKMS, 0.0.1}; Encrypt = base64(plain); Decrypt = base64 decode.
// - v2: Status {v2beta1 (settable), ok, key_id "1" (settable)}; Encrypt = base64(plaintext),
//   annotations {"local-kek.kms.kubernetes.io": "encrypted-local-kek"}, uid required
//   (InvalidArgument "uid is required"). The Go mock asserts :authority "localhost"; gRPC C++'s
//   sync server cannot read it, so that assertion is not reproduced.
// - failed state: every call answers FailedPrecondition "failed precondition - key disabled".
#include <atomic>
#include <memory>
#include <mutex>
#include <string>

namespace grpc {
class Server;
}

namespace kmslab::testing {

class MockKmsPlugin {
 public:
  /// Listens on `endpoint` ("unix:///path" or "unix:///@abstract-name") at once.
  explicit MockKmsPlugin(const std::string& endpoint);
  ~MockKmsPlugin();
  MockKmsPlugin(const MockKmsPlugin&) = delete;
  MockKmsPlugin& operator=(const MockKmsPlugin&) = delete;

  void set_key_id(std::string key_id);
  /// As the Go mock's UpdateKeyID: "1" -> "2" (any other id gets "-next" appended).
  void update_key_id();
  std::string key_id() const;
  void set_status_version(std::string version);
  void set_healthz(std::string healthz);
  void enter_failed_state();
  void exit_failed_state();
  /// true: every Decrypt waits (at most 60 s) until hold_decrypts(false).
  void hold_decrypts(bool held);
  /// Stops serving (the socket goes away), as a crashed plugin.
  void shutdown();

  int version_calls() const { return version_calls_; }
  int status_calls() const { return status_calls_; }
  int encrypt_calls() const { return encrypt_calls_; }
  int decrypt_calls() const { return decrypt_calls_; }
  std::string last_encrypt_plaintext() const;
  /// Every :authority seen that was not "localhost" on a v2 call, for the test to assert on.
  int bad_authority_calls() const { return bad_authority_; }

  struct State;

 private:
  std::shared_ptr<State> state_;
  std::shared_ptr<void> services_;  // declared before server_: destroyed after it
  std::unique_ptr<grpc::Server> server_;
  std::atomic<int>& version_calls_;
  std::atomic<int>& status_calls_;
  std::atomic<int>& encrypt_calls_;
  std::atomic<int>& decrypt_calls_;
  std::atomic<int>& bad_authority_;
};

}  // namespace kmslab::testing
