#include "emulator/core/worker_pool.hpp"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace kmslab::core {

WorkerPool::WorkerPool(Options options) : options_(options) {
  const unsigned n = std::max(1u, options_.threads);
  threads_.reserve(n);
  for (unsigned i = 0; i < n; ++i) threads_.emplace_back([this] { work(); });
}

WorkerPool::~WorkerPool() {
  stop();
}

bool WorkerPool::try_submit(Task& task) {
  {
    std::lock_guard l(mu_);
    // A task an idle thread will take at once does not wait, so it does not count as queued.
    const size_t waiting = queue_.size() + 1 > idle_ ? queue_.size() + 1 - idle_ : 0;
    if (stopping_ || waiting > options_.queue_limit) return false;
    queue_.push_back(std::move(task));
  }
  ready_.notify_one();
  return true;
}

void WorkerPool::stop() {
  std::lock_guard once(stop_mu_);  // a second caller waits for the first to finish joining
  {
    std::lock_guard l(mu_);
    stopping_ = true;
  }
  ready_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

size_t WorkerPool::queued() const {
  std::lock_guard l(mu_);
  return queue_.size();
}

void WorkerPool::work() {
  if (options_.nice != 0) {
    // Linux's nice is per thread; failing (a sandbox forbidding it) only costs the preference.
    const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
    errno = 0;
    const int current = ::getpriority(PRIO_PROCESS, tid);
    if (errno == 0) ::setpriority(PRIO_PROCESS, tid, std::min(19, current + options_.nice));
  }
  for (;;) {
    Task task;
    {
      std::unique_lock l(mu_);
      ++idle_;
      ready_.wait(l, [this] { return stopping_ || !queue_.empty(); });
      --idle_;
      if (queue_.empty()) return;  // stopping, and nothing left to finish
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    // Tasks answer their own errors; one that throws anyway must not take the thread down.
    try {
      task();
    } catch (...) {
    }
  }
}

}  // namespace kmslab::core
