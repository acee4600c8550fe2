#include "emulator/core/guarded_timers.hpp"

namespace kmslab::core {

GuardedTimers::GuardedTimers(VirtualClock& clock, std::mutex& write_mu)
    : clock_(clock), write_mu_(write_mu) {}

GuardedTimers::~GuardedTimers() {
  stop();
}

void GuardedTimers::stop() {
  std::lock_guard l(lifetime_->mu);
  lifetime_->alive = false;
}

void GuardedTimers::schedule_write(int64_t at, std::function<void()> work) {
  std::weak_ptr<Lifetime> alive = lifetime_;
  std::mutex* write_mu = &write_mu_;
  clock_.schedule_at(TimePoint(std::chrono::seconds(at)),
                     [alive, write_mu, work = std::move(work)] {
                       auto life = alive.lock();
                       if (!life) return;
                       std::lock_guard guard(life->mu);
                       if (!life->alive) return;
                       std::lock_guard l(*write_mu);
                       work();
                     });
}

}  // namespace kmslab::core
