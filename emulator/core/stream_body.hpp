#pragma once
// A response body that is written after the response has begun: a producer (a watch) queues
// chunks from any thread, the transport writes them as HTTP/1.1 chunked encoding as they come.
// The buffer is bounded: a reader that falls behind by more than `max_buffered` bytes is cut off
// (the producer's next write fails) instead of growing memory.
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>

namespace kmslab::core {

class StreamBody {
 public:
  explicit StreamBody(size_t max_buffered) : max_buffered_(max_buffered) {}
  StreamBody(const StreamBody&) = delete;
  StreamBody& operator=(const StreamBody&) = delete;

  // Producer side.
  /// Queues `chunk`; false once the stream has ended (reader gone, server stopping, finished) or
  /// when the chunk would overflow the buffer, which cuts the stream off.
  bool write(std::string chunk);
  /// No more chunks: the transport ends the body after what is queued.
  void finish();
  /// Called once, on a transport thread, when the transport ends the stream (the reader left,
  /// the server stops): the producer lets go of what feeds it. Never called from inside write()
  /// or finish(), so it may take the producer's own locks.
  void on_end(std::function<void()> callback);

  // Transport side.
  struct Drained {
    std::string data;       // everything queued since the last drain
    bool finished = false;  // after `data`, the body ends (terminating chunk)
    bool aborted = false;   // the stream was cut off: close without ending the body
  };
  /// Wakes the transport when there is something to drain; called without the lock held.
  void set_waker(std::function<void()> wake);
  Drained drain();
  /// The reader is gone or too slow: cut off.
  void abort();
  /// The server stops: the body ends cleanly after what is queued.
  void stop();

 private:
  void end_from_transport(bool aborted);

  const size_t max_buffered_;
  std::mutex mu_;
  std::string queued_;
  bool finished_ = false;
  bool aborted_ = false;
  bool ended_by_transport_ = false;
  std::function<void()> wake_;
  std::function<void()> on_end_;
};

}  // namespace kmslab::core
