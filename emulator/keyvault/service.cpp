#include "emulator/keyvault/service.hpp"

namespace kmslab::keyvault {

KeyVaultService::KeyVaultService(store::Store& store, core::VirtualClock& clock, core::Rng& rng,
                                 VaultRegistry& vaults, KeyVaultOptions options)
    : store_(store),
      clock_(clock),
      rng_(rng),
      vaults_(vaults),
      keys_(store),
      options_(std::move(options)),
      throttle_(options_.throttle, clock),
      lifetime_(std::make_shared<Lifetime>()) {}

KeyVaultService::~KeyVaultService() {
  // Timers scheduled on the clock may still fire (the clock outlives us): they see this and stop.
  std::lock_guard l(lifetime_->mu);
  lifetime_->alive = false;
}

}  // namespace kmslab::keyvault
