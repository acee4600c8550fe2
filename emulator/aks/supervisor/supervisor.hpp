#pragma once
// aks::ControlPlanes made real: per cluster a data directory <data_dir>/clusters/<name>-<hash>/
// (0700) holding the EncryptionConfiguration, each plugin's azure.json, the processes' logs and
// the apiserver's own data directory; a kmslab-kms-plugin per KMS key and a kmslab-apiserver,
// supervised (restarted with capped back-off) by the cluster's thread; the cluster's FQDN routed
// through the CONNECT proxy to its apiserver while it serves.
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "emulator/aks/control_plane.hpp"
#include "emulator/aks/supervisor/cluster.hpp"
#include "emulator/aks/supervisor/options.hpp"

namespace kmslab::aks {

class ProcessSupervisor : public ControlPlanes {
 public:
  ProcessSupervisor(SupervisorOptions options, core::Logger& log, const core::Clock& clock);
  /// Stops every cluster's processes.
  ~ProcessSupervisor() override;

  /// The emulator's endpoints, once bound. Applies made before wait for it (the resource provider
  /// re-applies stored clusters while the emulator is still being built).
  void start(SupervisorEndpoints endpoints);
  /// Stops every cluster's processes (kept on disk; a later apply brings them back).
  void stop();

  void apply(const ControlPlaneSpec& spec,
             std::function<void(const ControlPlaneState&)> done) override;
  /// Blocks until the cluster's processes have stopped, then deletes its directory.
  void remove(const std::string& cluster_id) override;
  std::optional<ControlPlaneState> state(const std::string& cluster_id) const override;
  /// GETs the cluster's apiserver's /healthz?verbose (and each failing check), /_kmslab/kms-calls
  /// and /metrics with its admin token, while it runs.
  std::optional<ControlPlaneObservation> observe(const std::string& cluster_id) const override;
  std::optional<std::vector<pid_t>> signal_processes(const std::string& cluster_id,
                                                     const std::string& process,
                                                     int signal) override;

  /// The running processes of a cluster (tests).
  std::vector<pid_t> pids(const std::string& cluster_id) const;
  std::filesystem::path cluster_dir(const std::string& cluster_id) const;

 private:
  using Done = std::function<void(const ControlPlaneState&)>;
  void apply_locked(const ControlPlaneSpec& spec, Done done);

  const SupervisorOptions options_;
  core::Logger& log_;
  const core::Clock& clock_;
  mutable std::mutex mu_;
  std::optional<SupervisorEndpoints> endpoints_;
  std::vector<std::pair<ControlPlaneSpec, Done>> early_;  // applies before start()
  std::map<std::string, std::unique_ptr<Cluster>> clusters_;
};

/// The binary to run: the flag's value if given, else beside the emulator's own binary, else the
/// build tree's relative path from there, else PATH. Throws std::runtime_error naming the places
/// looked at when none has it.
std::filesystem::path locate_binary(const std::string& flag_value, const std::string& name,
                                    const std::filesystem::path& self_dir,
                                    const std::filesystem::path& build_relative,
                                    const std::string& path_env);

}  // namespace kmslab::aks
