#include "emulator/apiserver/encryption/config_watcher.hpp"

#include "emulator/apiserver/encryption/config.hpp"
#include "emulator/apiserver/encryption/crypto.hpp"
#include "emulator/apiserver/encryption/encryption_metrics.hpp"
#include "emulator/apiserver/encryption/prefix.hpp"

namespace kmslab::apiserver::encryption {

ConfigWatcher::ConfigWatcher(std::string path, ProviderDeps deps)
    : path_(std::move(path)), deps_(std::move(deps)) {
  deps_.automatic_reload = true;
  auto set = std::make_shared<ProviderSet>(load_provider_set(path_, deps_));
  hash_ = set->content_hash;
  current_ = std::move(set);
}

ConfigWatcher::Outcome ConfigWatcher::poll() {
  auto metrics = EncryptionMetrics::declare(deps_.metrics);
  const auto id = hash_if_not_empty(deps_.apiserver_id);
  std::string hash;
  try {
    hash = encryption_config_hash(path_);
  } catch (const ConfigError& e) {
    std::lock_guard l(mu_);
    last_error_ = e.what();
    return Outcome::kFailed;
  }
  {
    std::lock_guard l(mu_);
    if (hash == hash_) return Outcome::kUnchanged;
    hash_ = hash;
  }
  try {
    auto next = std::make_shared<ProviderSet>(load_provider_set(path_, deps_));
    std::vector<std::string> unhealthy;
    for (const auto& c : next->checks)
      if (auto e = c.probe()) unhealthy.push_back(c.name + ": " + *e);
    if (!unhealthy.empty())
      throw ConfigError("failed to start kms plugin health checks: " + aggregate(unhealthy));
    std::lock_guard l(mu_);
    current_ = std::move(next);
    last_error_.clear();
  } catch (const ConfigError& e) {
    metrics.reloads.inc({"failure", id});
    std::lock_guard l(mu_);
    last_error_ = e.what();
    return Outcome::kFailed;
  }
  metrics.reloads.inc({"success", id});
  return Outcome::kReloaded;
}

std::shared_ptr<const ProviderSet> ConfigWatcher::current() const {
  std::lock_guard l(mu_);
  return current_;
}

std::string ConfigWatcher::last_error() const {
  std::lock_guard l(mu_);
  return last_error_;
}

}  // namespace kmslab::apiserver::encryption
