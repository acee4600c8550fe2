#include "emulator/keyvault/audit_log.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "emulator/core/router.hpp"

namespace kmslab::keyvault {

namespace {

std::string sequence_key(const std::string& prefix, int64_t seq) {
  char digits[24];
  std::snprintf(digits, sizeof digits, "%016lld", static_cast<long long>(seq));
  return prefix + digits;
}

std::optional<int64_t> sequence_of(const std::string& key) {
  const size_t slash = key.rfind('/');
  int64_t seq = 0;
  const char* begin = key.data() + slash + 1;
  const char* end = key.data() + key.size();
  const auto [ptr, ec] = std::from_chars(begin, end, seq);
  if (slash == std::string::npos || ec != std::errc() || ptr != end) return std::nullopt;
  return seq;
}

std::optional<core::TimePoint> time_of(const nlohmann::ordered_json& record) {
  if (!record.contains("time") || !record["time"].is_string()) return std::nullopt;
  return core::parse_rfc3339(record["time"].get<std::string>());
}

std::vector<nlohmann::ordered_json> parse_records(const store::RangeResult& range) {
  std::vector<nlohmann::ordered_json> out;
  out.reserve(range.kvs.size());
  for (const auto& kv : range.kvs) {
    auto j = nlohmann::ordered_json::parse(kv.value, nullptr, false);
    if (j.is_object()) out.push_back(std::move(j));  // a damaged record is skipped, not fatal
  }
  return out;
}

}  // namespace

std::variant<AuditQuery, std::string> parse_audit_query(
    const std::map<std::string, std::string>& query) {
  AuditQuery q;
  for (const auto& [raw_name, value] : query) {
    const std::string name = core::to_lower(raw_name);
    if (name == "since") {
      q.since = core::parse_rfc3339(value);
      if (!q.since)
        return "since must be an RFC 3339 time (2027-01-01T00:00:00Z), not '" + value + "'";
    } else if (name == "operation") {
      q.operation = value;
    } else if (name == "limit") {
      size_t n = 0;
      const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc() || ptr != value.data() + value.size() || n == 0) {
        return "limit must be a positive integer, not '" + value + "'";
      }
      q.limit = n;
    } else {
      return "unknown parameter '" + raw_name + "' (since, operation and limit are known)";
    }
  }
  return q;
}

AuditLog::AuditLog(store::Store& store, size_t retention)
    : store_(store), retention_(std::max<size_t>(1, retention)) {}

std::string AuditLog::prefix_of(const std::string& vault) {
  return kPrefix + core::to_lower(vault) + "/";
}

AuditLog::Span& AuditLog::span_locked(const std::string& vault) {
  const std::string name = core::to_lower(vault);
  if (auto it = spans_.find(name); it != spans_.end()) return it->second;
  Span span;
  const auto range = store_.range(prefix_of(name));
  if (!range.kvs.empty()) {
    span.first = sequence_of(range.kvs.front().key).value_or(0);
    span.next = sequence_of(range.kvs.back().key).value_or(span.first) + 1;
  }
  return spans_.emplace(name, span).first->second;
}

void AuditLog::append(const std::string& vault, const nlohmann::ordered_json& record) {
  std::lock_guard lock(mu_);
  Span& span = span_locked(vault);
  const std::string prefix = prefix_of(vault);
  store::Txn txn;
  txn.success.push_back(store::Op::put(sequence_key(prefix, span.next), record.dump()));
  int64_t first = span.first;
  while (span.next + 1 - first > static_cast<int64_t>(retention_)) {
    txn.success.push_back(store::Op::del(sequence_key(prefix, first++)));
  }
  store_.txn(txn);  // throws StoreError: the span stays as it was
  span.next += 1;
  span.first = first;
}

std::vector<nlohmann::ordered_json> AuditLog::select(std::vector<nlohmann::ordered_json> records,
                                                     const AuditQuery& q) {
  const std::string wanted = core::to_lower(q.operation);
  std::vector<nlohmann::ordered_json> out;
  for (auto& r : records) {
    if (q.since) {
      const auto t = time_of(r);
      if (!t || *t < *q.since) continue;
    }
    if (!wanted.empty() && core::to_lower(r.value("operationName", "")) != wanted) continue;
    out.push_back(std::move(r));
  }
  if (q.limit && out.size() > q.limit) out.erase(out.begin(), out.end() - q.limit);
  return out;
}

std::vector<nlohmann::ordered_json> AuditLog::query(const std::string& vault, const AuditQuery& q) {
  return select(parse_records(store_.range(prefix_of(vault))), q);
}

std::vector<nlohmann::ordered_json> AuditLog::query_all(const AuditQuery& q) {
  auto records = parse_records(store_.range(kPrefix));
  std::stable_sort(records.begin(), records.end(), [](const auto& a, const auto& b) {
    return time_of(a).value_or(core::TimePoint{}) < time_of(b).value_or(core::TimePoint{});
  });
  return select(std::move(records), q);
}

bool AuditLog::has_records(const std::string& vault) {
  return !store_.range(prefix_of(vault), 1).kvs.empty();
}

}  // namespace kmslab::keyvault
