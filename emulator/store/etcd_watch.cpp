#include "emulator/store/etcd_watch.hpp"

#include <map>
#include <mutex>

#include "emulator/store/etcd_wire.hpp"

namespace kmslab::store {

struct EtcdWatch::State {
  enum class Phase { kStarting, kRunning, kEnded };

  std::shared_ptr<EtcdMembers> members;
  KeyRange range;
  int64_t next_revision = 0;  // where a (re)created stream starts; 0 = from now
  WatchCallback callback;

  std::mutex mu;  // guards what follows
  std::condition_variable cv;
  Phase phase = Phase::kStarting;
  int64_t compacted_at = 0;
  std::map<std::string, std::string> errors;  // the last failure of each member, for start()
  bool cancelled = false;
  grpc::ClientContext* ctx = nullptr;  // the live stream's, to cancel it

  void end(int64_t compact_revision = 0) {
    std::lock_guard lock(mu);
    phase = Phase::kEnded;
    if (compact_revision != 0) compacted_at = compact_revision;
    cv.notify_all();
  }
  bool is_cancelled() {
    std::lock_guard lock(mu);
    return cancelled;
  }
};

namespace {

using State = EtcdWatch::State;
enum class StreamEnd { kBroken, kFinal };

etcdserverpb::WatchRequest create_request(const State& s) {
  etcdserverpb::WatchRequest request;
  auto& create = *request.mutable_create_request();
  create.set_key(s.range.key);
  create.set_range_end(s.range.range_end);
  create.set_start_revision(s.next_revision);
  return request;
}

// Delivers one response's events; false when the watch must end (cancelled or callback threw).
bool deliver(State& s, const etcdserverpb::WatchResponse& response) {
  for (auto& batch : etcd_event_batches(response)) {
    if (s.is_cancelled()) return false;
    try {
      s.callback(batch);
    } catch (...) {
      return false;
    }
    s.next_revision = batch.back().kv.mod_revision + 1;
  }
  return true;
}

// Reads one stream until it ends; kFinal when the watch is over for good.
StreamEnd run_stream(State& s, EtcdMember& member) {
  grpc::ClientContext ctx;
  ctx.AddMetadata("hasleader", "true");  // a member that loses its leader ends the stream
  {
    std::lock_guard lock(s.mu);
    if (s.cancelled) return StreamEnd::kFinal;
    s.ctx = &ctx;
  }
  auto stream = member.watch->Watch(&ctx);
  StreamEnd end = StreamEnd::kBroken;
  etcdserverpb::WatchResponse response;
  if (stream->Write(create_request(s))) {
    while (end == StreamEnd::kBroken && stream->Read(&response)) {
      if (response.compact_revision() != 0) {
        s.end(response.compact_revision());
        end = StreamEnd::kFinal;
      } else if (response.created() && !response.canceled()) {
        if (s.next_revision == 0) s.next_revision = response.header().revision() + 1;
        std::lock_guard lock(s.mu);
        s.phase = State::Phase::kRunning;
        s.cv.notify_all();
      } else if (response.canceled()) {
        break;  // cancelled by the member (cancel_reason): try another
      } else if (!deliver(s, response)) {
        end = StreamEnd::kFinal;
      }
    }
  }
  ctx.TryCancel();
  const grpc::Status status = stream->Finish();
  std::lock_guard lock(s.mu);
  s.ctx = nullptr;
  if (!status.ok()) s.errors[member.endpoint] = status.error_message();
  if (response.canceled() && !response.cancel_reason().empty())
    s.errors[member.endpoint] = response.cancel_reason();
  return s.cancelled ? StreamEnd::kFinal : end;
}

void run(const std::shared_ptr<State>& s) {
  EtcdMember* member = &s->members->current();
  auto pause = std::chrono::milliseconds(50);
  while (run_stream(*s, *member) == StreamEnd::kBroken) {
    member = &s->members->next_after(*member);
    std::unique_lock lock(s->mu);
    if (s->cv.wait_for(lock, pause, [&] { return s->cancelled; })) break;
    pause = std::min(pause * 2, std::chrono::milliseconds(1000));
  }
  s->end();
}

}  // namespace

std::unique_ptr<WatchHandle> EtcdWatch::start(std::shared_ptr<EtcdMembers> members,
                                              const std::string& prefix, int64_t start_revision,
                                              bool compacted, WatchCallback callback) {
  auto state = std::make_shared<State>();
  state->range = etcd_prefix_range(prefix);
  state->next_revision = start_revision;
  state->callback = std::move(callback);
  const auto timeout = members->timeout();
  state->members = std::move(members);
  std::unique_ptr<EtcdWatch> watch(new EtcdWatch(state, std::thread([state] { run(state); })));
  std::unique_lock lock(state->mu);
  const bool settled = state->cv.wait_for(lock, timeout, [&] {
    return compacted ? state->phase == State::Phase::kEnded
                     : state->phase != State::Phase::kStarting;
  });
  if (state->compacted_at != 0 || compacted) {
    const int64_t at = state->compacted_at;
    lock.unlock();
    watch.reset();
    throw CompactedError(at);
  }
  if (!settled || state->phase == State::Phase::kEnded) {
    std::string detail;
    for (const auto& [endpoint, error] : state->errors)
      detail += (detail.empty() ? "" : "; ") + endpoint + ": " + error;
    lock.unlock();
    watch.reset();
    throw StoreError("etcd: all members unreachable: " +
                     (detail.empty() ? "no answer to the watch request" : detail));
  }
  return watch;
}

EtcdWatch::~EtcdWatch() {
  {
    std::lock_guard lock(state_->mu);
    state_->cancelled = true;
    if (state_->ctx) state_->ctx->TryCancel();
    state_->cv.notify_all();
  }
  // From inside its own callback the thread cannot be joined: it ends once the callback returns.
  if (thread_.get_id() == std::this_thread::get_id()) {
    thread_.detach();
  } else if (thread_.joinable()) {
    thread_.join();
  }
}

}  // namespace kmslab::store
