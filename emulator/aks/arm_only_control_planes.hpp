#pragma once
// --aks-control-planes=none: clusters exist as ARM resources only. Every apply succeeds at once
// (reported from this class's own thread, as the ControlPlanes contract says), no process
// starts, no Kubernetes API is served: state() has no apiserver URL, CA or token, and the
// credentials the resource provider hands out say so.
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "emulator/aks/control_plane.hpp"

namespace kmslab::aks {

class ArmOnlyControlPlanes : public ControlPlanes {
 public:
  ArmOnlyControlPlanes();
  ~ArmOnlyControlPlanes() override;

  void apply(const ControlPlaneSpec& spec,
             std::function<void(const ControlPlaneState&)> done) override;
  void remove(const std::string& cluster_id) override;
  std::optional<ControlPlaneState> state(const std::string& cluster_id) const override;

 private:
  void run();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::map<std::string, ControlPlaneState> states_;
  std::deque<std::pair<ControlPlaneState, std::function<void(const ControlPlaneState&)>>> queue_;
  std::thread thread_;  // last: starts after the members it uses
};

}  // namespace kmslab::aks
