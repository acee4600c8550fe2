#pragma once
// A ControlPlanes for unit tests: records every spec, answers when the test says (complete /
// fail), and reports which kms providers still hold data and what the apiserver observed as
// the test sets them.
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "emulator/aks/control_plane.hpp"

namespace kmslab::testing {

class FakeControlPlanes : public aks::ControlPlanes {
 public:
  void apply(const aks::ControlPlaneSpec& spec,
             std::function<void(const aks::ControlPlaneState&)> done) override {
    std::lock_guard l(mu_);
    specs.push_back(spec);
    pending_[spec.cluster_id] = std::move(done);
  }
  void remove(const std::string& cluster_id) override {
    std::lock_guard l(mu_);
    removed.push_back(cluster_id);
    pending_.erase(cluster_id);
    states_.erase(cluster_id);
  }
  std::optional<aks::ControlPlaneState> state(const std::string& cluster_id) const override {
    std::lock_guard l(mu_);
    auto it = states_.find(cluster_id);
    if (it == states_.end()) return std::nullopt;
    return it->second;
  }
  std::optional<bool> provider_in_use(const std::string& cluster_id,
                                      const std::string& provider) const override {
    std::lock_guard l(mu_);
    auto it = in_use.find(cluster_id + "|" + provider);
    if (it == in_use.end()) return std::nullopt;
    return it->second;
  }

  std::optional<aks::ControlPlaneObservation> observe(
      const std::string& cluster_id) const override {
    std::lock_guard l(mu_);
    auto it = observations.find(cluster_id);
    if (it == observations.end()) return std::nullopt;
    return it->second;
  }

  /// Reports every pending apply as running (or `failure` as failed); returns how many.
  int complete(const std::string& failure = {}) {
    std::map<std::string, std::function<void(const aks::ControlPlaneState&)>> pending;
    std::vector<std::pair<std::string, aks::ControlPlaneState>> reports;
    {
      std::lock_guard l(mu_);
      pending.swap(pending_);
      for (auto& [id, done] : pending) {
        aks::ControlPlaneState s;
        s.phase = failure.empty() ? aks::ControlPlaneState::Phase::kRunning
                                  : aks::ControlPlaneState::Phase::kFailed;
        s.message = failure;
        s.apiserver_url = "https://127.0.0.1:6443";
        s.ca_pem = "-----BEGIN CERTIFICATE-----\nfake\n-----END CERTIFICATE-----\n";
        s.token = "admin-token";
        states_[id] = s;
        reports.emplace_back(id, s);
      }
    }
    for (auto& [id, s] : reports) pending[id](s);
    return static_cast<int>(reports.size());
  }

  std::vector<aks::ControlPlaneSpec> specs;
  std::vector<std::string> removed;
  std::map<std::string, bool> in_use;  // "cluster_id|provider" -> data still under it
  /// What observe() answers per cluster id (the detector's evidence); absent: nullopt.
  std::map<std::string, aks::ControlPlaneObservation> observations;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::function<void(const aks::ControlPlaneState&)>> pending_;
  std::map<std::string, aks::ControlPlaneState> states_;
};

}  // namespace kmslab::testing
