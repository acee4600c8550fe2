#include "emulator/apiserver/storage/storage_metrics.hpp"

namespace kmslab::apiserver::storage {

StorageMetrics StorageMetrics::declare(core::MetricsRegistry& r) {
  return {
      r.gauge("apiserver_storage_objects",
              "[STABLE] Number of stored objects at the time of last check split by kind. In case "
              "of a fetching error, the value will be -1.",
              {"resource"}),
      r.counter("apiserver_storage_list_total",
                "[ALPHA] Number of LIST requests served from storage", {"resource"}),
      r.counter("apiserver_storage_list_fetched_objects_total",
                "[ALPHA] Number of objects read from storage in the course of serving a LIST "
                "request",
                {"resource"}),
      r.counter("apiserver_storage_list_evaluated_objects_total",
                "[ALPHA] Number of objects tested in the course of serving a LIST request from "
                "storage",
                {"resource"}),
      r.counter("apiserver_storage_list_returned_objects_total",
                "[ALPHA] Number of objects returned for a LIST request from storage", {"resource"}),
      r.counter("apiserver_storage_decode_errors_total",
                "[ALPHA] Number of stored object decode errors split by object type", {"resource"}),
  };
}

void StorageMetrics::record_list(const std::string& resource, size_t fetched, size_t evaluated,
                                 size_t returned) {
  lists.inc({resource});
  list_fetched.inc({resource}, static_cast<double>(fetched));
  list_evaluated.inc({resource}, static_cast<double>(evaluated));
  list_returned.inc({resource}, static_cast<double>(returned));
}

}  // namespace kmslab::apiserver::storage
