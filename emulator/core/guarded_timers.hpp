#pragma once
// Work scheduled on the virtual clock by a service that may be destroyed first (the clock
// outlives the services): each timer runs only while its owner is alive, under the owner's
// write lock, and never concurrently with the owner's destruction.
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

#include "emulator/core/clock.hpp"

namespace kmslab::core {

class GuardedTimers {
 public:
  GuardedTimers(VirtualClock& clock, std::mutex& write_mu);
  ~GuardedTimers();
  GuardedTimers(const GuardedTimers&) = delete;
  GuardedTimers& operator=(const GuardedTimers&) = delete;

  /// Runs `work` at `at` (Unix seconds, virtual time) holding `write_mu`, unless stop() came
  /// first.
  void schedule_write(int64_t at, std::function<void()> work);
  /// Disarms every pending timer; waits for one that is running. Call it first thing in the
  /// owner's destructor, before the members the work uses are gone.
  void stop();

 private:
  struct Lifetime {
    std::mutex mu;
    bool alive = true;
  };
  VirtualClock& clock_;
  std::mutex& write_mu_;
  std::shared_ptr<Lifetime> lifetime_ = std::make_shared<Lifetime>();
};

}  // namespace kmslab::core
