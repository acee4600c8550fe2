#pragma once
// --encryption-provider-config-automatic-reload ([AS] encryptionconfig/controller, kms.md
// §5.3): the binary calls poll() every minute (EncryptionConfigFileChangePollDuration); when
// the file's hash changed, the file is loaded and validated as a reload, its KMS providers
// dialled and primed, and only a configuration whose health checks pass replaces the current
// one. A bad file keeps the last good configuration and last_error() says why.
// Simplified (U): kube-apiserver re-polls the new checks every 100 ms for up to
// max(2 x sum of timeouts, 10 s) before giving up; here they are asked once, right after the
// providers were primed.
#include <memory>
#include <mutex>
#include <string>

#include "emulator/apiserver/encryption/provider_set.hpp"

namespace kmslab::apiserver::encryption {

inline constexpr auto kConfigPollInterval = std::chrono::minutes(1);

class ConfigWatcher {
 public:
  /// Loads the file once; throws ConfigError as kube-apiserver refuses to start.
  ConfigWatcher(std::string path, ProviderDeps deps);

  enum class Outcome { kUnchanged, kReloaded, kFailed };
  Outcome poll();

  std::shared_ptr<const ProviderSet> current() const;
  std::string last_error() const;

 private:
  const std::string path_;
  ProviderDeps deps_;
  mutable std::mutex mu_;
  std::shared_ptr<const ProviderSet> current_;
  std::string hash_;  // of the file last tried, good or bad: a bad file is not retried unchanged
  std::string last_error_;
};

}  // namespace kmslab::apiserver::encryption
