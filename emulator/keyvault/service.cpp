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
      throttle_(options_.throttle, clock) {}

KeyVaultService::~KeyVaultService() {
  // Timers scheduled on the clock may still fire (the clock outlives us): they see this and stop.
  timers_.stop();
}

}  // namespace kmslab::keyvault
