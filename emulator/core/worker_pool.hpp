#pragma once
// Where CPU-heavy request work (RSA key generation, rotation, backups) runs, so that it never
// holds an I/O thread: a health check or a token request must still answer in milliseconds while
// RSA-4096 keys are being made. Bounded twice: a fixed number of threads and a queue limit; a
// task beyond the limit is refused at once and the caller answers "busy" (429/503) instead of
// letting latency grow without bound.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace kmslab::core {

/// Runs tasks somewhere else. Injectable: tests use one they drive by hand.
class TaskRunner {
 public:
  using Task = std::function<void()>;
  virtual ~TaskRunner() = default;
  /// Takes `task` and runs it exactly once later, or refuses it (false: full or stopping) and
  /// leaves it untouched.
  virtual bool try_submit(Task& task) = 0;
};

class WorkerPool final : public TaskRunner {
 public:
  struct Options {
    unsigned threads = 1;
    /// Tasks waiting (not counting the ones running); 0 = only as many as there are idle threads.
    size_t queue_limit = 64;
    /// Added to the workers' nice value (Linux, per thread): when the cores are busy, the I/O
    /// threads get the CPU first (weight 1024 against 110 at +10), so light requests keep
    /// answering in milliseconds while keys are generated. 0 = the process's own priority.
    int nice = 10;
  };

  explicit WorkerPool(Options options);
  /// Runs what is queued, then joins the threads.
  ~WorkerPool() override;
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  bool try_submit(Task& task) override;
  /// Refuses new tasks, finishes the queued and running ones, joins the threads. Idempotent.
  void stop();
  size_t queued() const;

 private:
  void work();

  const Options options_;
  std::mutex stop_mu_;
  mutable std::mutex mu_;
  std::condition_variable ready_;
  std::deque<Task> queue_;
  size_t idle_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace kmslab::core
