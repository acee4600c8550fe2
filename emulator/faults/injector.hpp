#pragma once
// The live fault rules: kept in the store (they survive a restart), matched against requests,
// charged (count) and retired (count spent, ttl passed on the virtual clock) under one lock, and
// turned into what the transport does (an Azure error envelope, a delay, a reset, a slow body).
//
// A surface opts in by wrapping its handlers with guard(), telling the injector how to describe a
// request; Key Vault does (keyvault/protocol.cpp), after authentication and before the handler,
// so a fault's 429 costs the vault no quota; the app wires the identity token endpoint and IMDS
// (app/emulator.cpp) through their services' guard hook.
#include <atomic>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "emulator/core/clock.hpp"
#include "emulator/core/metrics.hpp"
#include "emulator/core/rng.hpp"
#include "emulator/core/router.hpp"
#include "emulator/faults/rule.hpp"
#include "emulator/store/store.hpp"

namespace kmslab::faults {

class FaultInjector {
 public:
  /// `rng` decides probabilities (the emulator's --seed stream: runs repeat). Loads stored rules.
  FaultInjector(store::Store& store, const core::Clock& clock, core::Rng& rng,
                core::MetricsRegistry* metrics = nullptr);

  /// Operation names a surface (one of kServices) accepts in match.operation (lower-case).
  void add_operations(const std::vector<std::string>& names,
                      const std::string& service = "keyvault");

  /// Validates and stores a rule; the error is a 400 BadParameter for the admin API.
  core::Result<nlohmann::ordered_json> add(const nlohmann::json& rule);
  bool remove(const std::string& id);
  size_t clear();
  nlohmann::ordered_json list();

  /// The rule that fires for this request, if any (its count is charged), oldest rule first.
  std::optional<Rule> fire(const FaultTarget& target);
  /// True when some live rule matches on the caller's object id (worth decoding the token for).
  bool wants_caller_id() const;
  bool empty() const;

  /// Runs `inner` unless a rule fires: an error answers instead of it, a reset closes the
  /// connection instead of it; latency and slow body let it run and deliver its reply late.
  core::Handler guard(core::Handler inner,
                      std::function<FaultTarget(const core::RequestContext&)> describe);

 private:
  void load();
  /// Drops rules past their ttl or count, in memory and in the store. Holds mu_.
  void retire_locked(core::TimePoint now);
  void persist_locked(const Rule& rule);

  store::Store& store_;
  const core::Clock& clock_;
  core::Rng& rng_;
  core::CounterVec* fired_ = nullptr;
  mutable std::mutex mu_;
  std::vector<Rule> rules_;  // in creation order
  OperationNames operations_;
  std::atomic<bool> any_{false};
  std::atomic<bool> caller_ids_{false};
};

}  // namespace kmslab::faults
