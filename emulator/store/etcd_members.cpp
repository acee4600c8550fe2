#include "emulator/store/etcd_members.hpp"

#include <algorithm>
#include <climits>
#include <thread>

#include "emulator/store/etcd_tls.hpp"

namespace kmslab::store {
namespace {

using Clock = std::chrono::system_clock;  // gRPC deadlines are wall-clock time points

// gRPC's own text for a call that never left the client: no connection could be made (the
// member is down, refuses connections, or is in reconnect backoff after doing so).
constexpr std::string_view kNotConnected = "failed to connect to all addresses";

// etcd refusals made before the request is proposed to raft (rpctypes/error.go).
constexpr std::string_view kRefusedBeforeProposal[] = {
    "etcdserver: no leader", "etcdserver: too many requests", "etcdserver: not capable",
    "etcdserver: rpc not supported for learner", "etcdserver: unhealthy cluster"};

std::unique_ptr<EtcdMember> dial(const std::string& endpoint,
                                 const std::shared_ptr<grpc::ChannelCredentials>& credentials) {
  grpc::ChannelArguments args;
  // A whole list of secrets may exceed gRPC's 4 MiB default; etcd's clientv3 sets no limit.
  args.SetMaxReceiveMessageSize(INT_MAX);
  // A member that comes back is used again within a second (grpc's default backoff reaches 120 s).
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  auto member = std::make_unique<EtcdMember>();
  member->endpoint = endpoint;
  member->channel = grpc::CreateCustomChannel(endpoint, credentials, args);
  member->kv = etcdserverpb::KV::NewStub(member->channel);
  member->watch = etcdserverpb::Watch::NewStub(member->channel);
  member->maintenance = etcdserverpb::Maintenance::NewStub(member->channel);
  return member;
}

bool retryable(const grpc::Status& status, EtcdMembers::Retry retry) {
  if (etcd_not_applied(status)) return true;
  return retry == EtcdMembers::Retry::kIdempotent &&
         status.error_code() == grpc::StatusCode::UNAVAILABLE;
}

// etcd answered and refused: the request was judged, not applied (a bad request, a compacted or
// future revision, no space, a corrupt cluster).
bool etcd_refused(const grpc::Status& status) {
  switch (status.error_code()) {
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::OUT_OF_RANGE:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::PERMISSION_DENIED:
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::NOT_FOUND:
    case grpc::StatusCode::DATA_LOSS:
    case grpc::StatusCode::UNIMPLEMENTED:
      return true;
    default:
      return false;
  }
}

std::string member_error(const EtcdMember& member, const grpc::Status& status) {
  return member.endpoint + ": " + status.error_message();
}

}  // namespace

bool etcd_not_applied(const grpc::Status& status) {
  const std::string& message = status.error_message();
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE && message.starts_with(kNotConnected))
    return true;
  return std::any_of(std::begin(kRefusedBeforeProposal), std::end(kRefusedBeforeProposal),
                     [&](std::string_view refusal) { return message == refusal; });
}

EtcdMembers::EtcdMembers(EtcdOptions options) : options_(std::move(options)) {
  if (options_.endpoints.empty()) throw StoreError("etcd: no member endpoints");
  const auto credentials = etcd_channel_credentials(options_);
  for (const auto& endpoint : options_.endpoints) members_.push_back(dial(endpoint, credentials));
  connector_ = std::thread([this] { keep_connecting(); });
}

EtcdMembers::~EtcdMembers() {
  stopping_ = true;
  connector_.join();
}

void EtcdMembers::keep_connecting() {
  const auto slice = std::chrono::milliseconds(100) / members_.size();
  while (!stopping_) {
    for (auto& m : members_) {
      const auto state = m->channel->GetState(true);  // true: connect when idle
      m->channel->WaitForStateChange(
          state, Clock::now() + std::chrono::duration_cast<Clock::duration>(slice));
    }
  }
}

void EtcdMembers::prepare(grpc::ClientContext& ctx, Clock::time_point deadline) const {
  ctx.set_deadline(deadline);
  ctx.AddMetadata("hasleader", "true");  // rpctypes.MetadataRequireLeaderKey / HasLeader
}

size_t EtcdMembers::index_of(const EtcdMember& member) const {
  for (size_t i = 0; i < members_.size(); ++i) {
    if (members_[i].get() == &member) return i;
  }
  return 0;
}

EtcdMember& EtcdMembers::next_after(const EtcdMember& member) {
  size_t failed = index_of(member);
  size_t next = (failed + 1) % members_.size();
  // Only the first caller to see this member fail moves everyone on.
  current_.compare_exchange_strong(failed, next);
  return *members_[next];
}

std::string EtcdMembers::describe() const {
  std::string out;
  for (const auto& m : members_) out += (out.empty() ? "" : ",") + m->endpoint;
  return out;
}

EtcdMember& EtcdMembers::call(const char* what, Retry retry, const Attempt& attempt) {
  const auto deadline = Clock::now() + options_.timeout;
  std::vector<std::string> last_error(members_.size());
  auto pause = std::chrono::milliseconds(25);
  EtcdMember* member = &current();
  // Bounded by the deadline; the attempt cap only guards against a clock that stands still.
  for (int attempts = 0; attempts < 10000; ++attempts) {
    grpc::ClientContext ctx;
    prepare(ctx, deadline);
    const bool was_connected = member->channel->GetState(false) == GRPC_CHANNEL_READY;
    const grpc::Status status = attempt(*member, ctx);
    if (status.ok()) return *member;
    std::string& error = last_error[index_of(*member)];
    // The deadline passed while the channel was (re)connecting, before and after: the request had
    // no connection to go out on, so this is an unreachable member, not a lost answer. What an
    // earlier attempt learnt (a refused connection, a TLS handshake failure) stays in the message.
    if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED && !was_connected &&
        member->channel->GetState(false) != GRPC_CHANNEL_READY) {
      const std::string before = error.empty() ? "" : error.substr(member->endpoint.size() + 2);
      error = member->endpoint + ": no connection within the deadline" +
              (before.empty() ? "" : "; before that: " + before);
      break;
    }
    error = member_error(*member, status);
    if (!retryable(status, retry)) {
      if (retry == Retry::kIfNotApplied && !etcd_refused(status))
        throw EtcdCallError(status.error_code(), status.error_message(),
                            std::string("etcd: ") + what +
                                " outcome unknown: " + member_error(*member, status) +
                                " (the request was sent; not retried, since it may have "
                                "been applied)");
      throw EtcdCallError(status.error_code(), status.error_message(),
                          std::string("etcd: ") + what + " on " + member_error(*member, status));
    }
    if (Clock::now() >= deadline) break;
    member = &next_after(*member);
    // After a full round with no answer, give an election or a restart a moment.
    if (index_of(*member) == 0) {
      std::this_thread::sleep_for(std::min<Clock::duration>(pause, deadline - Clock::now()));
      pause = std::min(pause * 2, std::chrono::milliseconds(400));
    }
  }
  std::string detail;
  for (const auto& e : last_error) {
    if (!e.empty()) detail += (detail.empty() ? "" : "; ") + e;
  }
  throw StoreError("etcd: all members unreachable: " + detail);
}

std::vector<grpc::Status> EtcdMembers::call_each(const Attempt& attempt) {
  std::vector<grpc::Status> out;
  for (auto& member : members_) {
    grpc::ClientContext ctx;
    prepare(ctx, Clock::now() + options_.timeout);
    out.push_back(attempt(*member, ctx));
  }
  return out;
}

}  // namespace kmslab::store
