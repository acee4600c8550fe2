#include "emulator/core/stream_body.hpp"

namespace kmslab::core {

bool StreamBody::write(std::string chunk) {
  std::function<void()> wake;
  {
    std::lock_guard lock(mu_);
    if (finished_ || aborted_) return false;
    if (queued_.size() + chunk.size() > max_buffered_) {
      aborted_ = true;  // too slow a reader: cut off rather than buffer without bound
    } else {
      queued_ += chunk;
    }
    wake = wake_;
  }
  if (wake) wake();
  std::lock_guard lock(mu_);
  return !aborted_;
}

void StreamBody::finish() {
  std::function<void()> wake;
  {
    std::lock_guard lock(mu_);
    finished_ = true;
    wake = wake_;
  }
  if (wake) wake();
}

void StreamBody::on_end(std::function<void()> callback) {
  bool ended = false;
  {
    std::lock_guard lock(mu_);
    ended = ended_by_transport_;
    if (!ended) on_end_ = std::move(callback);
  }
  if (ended && callback) callback();  // ended before the producer registered
}

void StreamBody::set_waker(std::function<void()> wake) {
  std::lock_guard lock(mu_);
  wake_ = std::move(wake);
}

StreamBody::Drained StreamBody::drain() {
  std::lock_guard lock(mu_);
  Drained d;
  d.aborted = aborted_;
  if (!aborted_) d.data.swap(queued_);
  d.finished = finished_;
  return d;
}

void StreamBody::abort() {
  end_from_transport(true);
}

void StreamBody::stop() {
  end_from_transport(false);
}

void StreamBody::end_from_transport(bool aborted) {
  std::function<void()> on_end, wake;
  {
    std::lock_guard lock(mu_);
    if (aborted) aborted_ = true;
    finished_ = true;
    if (ended_by_transport_) return;
    ended_by_transport_ = true;
    on_end.swap(on_end_);
    wake = wake_;
  }
  if (on_end) on_end();
  if (wake) wake();
}

}  // namespace kmslab::core
