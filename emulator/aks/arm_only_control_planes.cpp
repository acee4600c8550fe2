#include "emulator/aks/arm_only_control_planes.hpp"

#include <stdexcept>

namespace kmslab::aks {

ArmOnlyControlPlanes::ArmOnlyControlPlanes() : thread_([this] { run(); }) {}

ArmOnlyControlPlanes::~ArmOnlyControlPlanes() {
  {
    std::lock_guard l(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void ArmOnlyControlPlanes::apply(const ControlPlaneSpec& spec,
                                 std::function<void(const ControlPlaneState&)> done) {
  ControlPlaneState s;
  s.phase = spec.running ? ControlPlaneState::Phase::kRunning : ControlPlaneState::Phase::kStopped;
  {
    std::lock_guard l(mu_);
    states_[spec.cluster_id] = s;
    queue_.emplace_back(s, std::move(done));
  }
  cv_.notify_all();
}

void ArmOnlyControlPlanes::remove(const std::string& cluster_id) {
  std::lock_guard l(mu_);
  states_.erase(cluster_id);
}

std::optional<ControlPlaneState> ArmOnlyControlPlanes::state(const std::string& cluster_id) const {
  std::lock_guard l(mu_);
  auto it = states_.find(cluster_id);
  if (it == states_.end()) return std::nullopt;
  return it->second;
}

void ArmOnlyControlPlanes::run() {
  std::unique_lock l(mu_);
  while (true) {
    cv_.wait(l, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, nothing left to report
    auto [state, done] = std::move(queue_.front());
    queue_.pop_front();
    l.unlock();
    if (done) done(state);
    l.lock();
  }
}

}  // namespace kmslab::aks
