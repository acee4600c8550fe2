#pragma once
// Each vault's AuditEvent records, kept in the store (they survive a kill -9 of the emulator) under
// /kmslab/audit/{vault}/{sequence}, oldest first, at most `retention` per vault: the oldest is
// dropped when a record would exceed it. A vault's records outlive the vault (a purged vault's
// calls stay readable, as a storage account's logs do).
#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "emulator/core/clock.hpp"
#include "emulator/store/store.hpp"

namespace kmslab::keyvault {

struct AuditQuery {
  std::optional<core::TimePoint> since;  // records at or after this time
  std::string operation;                 // operationName, compared case-insensitively; "" = all
  size_t limit = 0;                      // the most recent `limit` matches; 0 = all
};

/// Reads ?since=RFC3339&operation=NAME&limit=N; an error message for a bad parameter.
std::variant<AuditQuery, std::string> parse_audit_query(
    const std::map<std::string, std::string>& query);

class AuditLog {
 public:
  static constexpr size_t kDefaultRetention = 10000;
  static constexpr const char* kPrefix = "/kmslab/audit/";

  AuditLog(store::Store& store, size_t retention);

  /// Appends one record (audit_event.hpp) to `vault`'s log. Store failures are the caller's to
  /// log: a call's answer never depends on its audit record.
  void append(const std::string& vault, const nlohmann::ordered_json& record);
  /// `vault`'s records (oldest first) that match `q`.
  std::vector<nlohmann::ordered_json> query(const std::string& vault, const AuditQuery& q);
  /// Every vault's, merged by time.
  std::vector<nlohmann::ordered_json> query_all(const AuditQuery& q);
  /// Whether `vault` has any record.
  bool has_records(const std::string& vault);

 private:
  struct Span {
    int64_t first = 0;  // sequence of the oldest record kept
    int64_t next = 0;   // sequence the next record gets
  };
  Span& span_locked(const std::string& vault);
  static std::string prefix_of(const std::string& vault);
  static std::vector<nlohmann::ordered_json> select(std::vector<nlohmann::ordered_json> records,
                                                    const AuditQuery& q);

  store::Store& store_;
  size_t retention_;
  std::mutex mu_;
  std::map<std::string, Span> spans_;  // by lower-case vault name, loaded on first use
};

}  // namespace kmslab::keyvault
