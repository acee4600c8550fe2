#pragma once
// The etcd3 storage layer's apiserver_storage_* series, named, typed and labelled as in
// kube-apiserver 1.32 ([AS] storage/etcd3/metrics/metrics.go): the object count per resource
// (refreshed by a poll, -1 when the count fails), the LIST counters, and decode errors. The
// resource label is schema.GroupResource.String() ("secrets", "deployments.apps").
#include <cstdint>
#include <string>

#include "emulator/core/metrics.hpp"

namespace kmslab::apiserver::storage {

struct StorageMetrics {
  core::GaugeVec& objects;           // apiserver_storage_objects{resource}
  core::CounterVec& lists;           // apiserver_storage_list_total{resource}
  core::CounterVec& list_fetched;    // apiserver_storage_list_fetched_objects_total{resource}
  core::CounterVec& list_evaluated;  // apiserver_storage_list_evaluated_objects_total{resource}
  core::CounterVec& list_returned;   // apiserver_storage_list_returned_objects_total{resource}
  core::CounterVec& decode_errors;   // apiserver_storage_decode_errors_total{resource}

  static StorageMetrics declare(core::MetricsRegistry& registry);

  /// RecordStorageListMetrics: one LIST served from storage.
  void record_list(const std::string& resource, size_t fetched, size_t evaluated, size_t returned);
};

/// kube-apiserver's --etcd-count-metric-poll-period default: how often apiserver_storage_objects
/// is refreshed (the first time at start).
inline constexpr int kCountPollSeconds = 60;

}  // namespace kmslab::apiserver::storage
