#pragma once
// A scenario's run-time state and its actions (../SCHEMA.md "Actions"): tokens, cluster
// credentials, the `run` environment, the virtual time as the runner last moved it, and the
// timeline events the actions produce.
#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "scenarios/runner/answer.hpp"
#include "scenarios/runner/results.hpp"
#include "scenarios/runner/stack.hpp"

namespace kmslab::scenario {

/// A step that could not be carried out (bad input after substitution, no answer at all).
class StepError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct SessionPaths {
  std::filesystem::path kmslab_env;  // tools/kmslab_env.py
  std::filesystem::path python = "/usr/bin/python3";
};

class Session {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;

  Session(Stack& stack, SessionPaths paths, std::string clock_start);

  /// Carries out one action whose fields are already substituted; the answer may be any status.
  /// Throws StepError when there is no answer to judge.
  Answer perform(const std::string& action, const nlohmann::json& fields, SteadyTime deadline);

  const std::string& virtual_now() const { return virtual_now_; }
  /// Clusters ("RG/NAME") a step fetched credentials for, and the vaults steps named.
  const std::map<std::string, ClusterAccess>& clusters() const { return clusters_; }
  const std::set<std::string>& vaults() const { return vaults_; }
  /// Variables the session adds (KUBECONFIG_<RG>_<NAME>), merged into the scenario's.
  const std::map<std::string, std::string>& exported() const { return exported_; }
  /// Events produced since the last call (clock jumps, restarts).
  std::vector<Event> take_events();
  /// The Key Vault calls (audit events of every vault a step named) and plugin calls (each
  /// cluster apiserver's /_kmslab/kms-calls) made since the last poll, as timeline events. A
  /// source that answers 404 (not served by this build) is asked no more.
  std::vector<Event> poll_calls(SteadyTime deadline);
  /// Where the cluster's process logs are (its directory under the emulator's data dir).
  std::vector<std::filesystem::path> cluster_logs(const std::string& cluster) const;
  std::string cluster_id(const std::string& cluster) const;

 private:
  Answer arm(const nlohmann::json& f, SteadyTime deadline);
  Answer keyvault(const nlohmann::json& f, SteadyTime deadline);
  Answer token(const nlohmann::json& f, SteadyTime deadline);
  Answer kube(const nlohmann::json& f, SteadyTime deadline);
  Answer stored(const nlohmann::json& f, SteadyTime deadline);
  Answer metrics(const nlohmann::json& f, SteadyTime deadline);
  Answer clock(const nlohmann::json& f, SteadyTime deadline);
  Answer fault(const nlohmann::json& f, SteadyTime deadline);
  Answer admin(const std::string& method, const std::string& path, const nlohmann::json& body,
               SteadyTime deadline);
  Answer restart(const nlohmann::json& f, SteadyTime deadline);
  Answer diagnose(const nlohmann::json& f, SteadyTime deadline);
  Answer audit(const nlohmann::json& f, SteadyTime deadline);
  Answer run(const nlohmann::json& f, SteadyTime deadline);

  Answer send(core::client::HttpClient& client, const std::string& method, const std::string& url,
              std::vector<std::pair<std::string, std::string>> headers, const std::string& body,
              SteadyTime deadline);
  Answer arm_wait(const std::string& url, const std::string& method, Answer first,
                  const std::string& token, SteadyTime deadline);
  std::string bearer(const nlohmann::json& as, const std::string& resource, SteadyTime deadline);
  const ClusterAccess& cluster(const std::string& name, SteadyTime deadline);
  void remember_credentials(const std::string& path, const Answer& a);
  std::map<std::string, std::string> run_environment(SteadyTime deadline, bool az);
  void event(const std::string& kind, const std::string& summary, const std::string& detail,
             const std::string& status = "ok");

  Stack& stack_;
  SessionPaths paths_;
  std::string virtual_now_;
  std::map<std::string, std::string> tokens_;  // by identity and resource; dropped on clock moves
  std::map<std::string, ClusterAccess> clusters_;
  std::set<std::string> vaults_;
  std::map<std::string, std::string> exported_;
  std::optional<std::map<std::string, std::string>> run_env_;  // tools/kmslab env's exports
  bool az_ready_ = false;                                      // its --apply ran
  std::vector<Event> events_;
  struct Feed {
    size_t seen = 0;
    bool served = true;
  };
  std::map<std::string, Feed> feeds_;  // by source: "vault NAME", "cluster RG/NAME"
};

/// "?k=v&..." from a JSON object of strings, appended after `first` (api-version) when given.
std::string query_string(const std::string& api_version, const nlohmann::json& query);

}  // namespace kmslab::scenario
