#pragma once
// What the Kubernetes API tests build the API on: an in-memory store with identity encryption,
// a manual clock, seeded randomness, a silent logger.
#include "emulator/apiserver/encryption/provider_set.hpp"
#include "emulator/apiserver/storage/object_storage.hpp"
#include "emulator/core/clock.hpp"
#include "emulator/core/log.hpp"
#include "emulator/core/metrics.hpp"
#include "emulator/core/rng.hpp"
#include "emulator/store/local_store.hpp"

namespace kmslab::apiserver::k8s {

struct ApiDeps {
  store::LocalStore store;
  storage::ObjectStorage storage{store, "/registry", encryption::identity_provider_set().registry};
  core::VirtualClock clock{core::VirtualClock::Mode::kManual,
                           core::TimePoint(std::chrono::seconds(1'800'000'000))};
  core::SeededRng rng{7};
  core::Logger logger{nullptr, core::LogLevel::kError};
  core::MetricsRegistry metrics;
};

}  // namespace kmslab::apiserver::k8s
