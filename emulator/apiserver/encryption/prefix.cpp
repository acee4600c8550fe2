#include "emulator/apiserver/encryption/prefix.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "emulator/apiserver/encryption/kms_service.hpp"

namespace kmslab::apiserver::encryption {
namespace {

std::string_view status_of(const TransformError& e) {
  const auto* rpc = dynamic_cast<const RpcError*>(&e);
  return rpc ? std::string_view(rpc->code()) : std::string_view("Unknown");
}

std::string_view label(const std::string& prefix) {
  return prefix.empty() ? std::string_view("identity") : std::string_view(prefix);
}

// The start of one transformation, on the steady clock (a duration, not a time of day).
struct Started {
  std::chrono::steady_clock::time_point at = std::chrono::steady_clock::now();
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - at).count();
  }
};

}  // namespace

std::string aggregate(const std::vector<std::string>& errors) {
  std::vector<std::string> unique;
  for (const auto& e : errors)
    if (std::find(unique.begin(), unique.end(), e) == unique.end()) unique.push_back(e);
  if (unique.size() == 1) return unique[0];
  std::string out = "[";
  for (size_t i = 0; i < unique.size(); ++i) out += (i ? ", " : "") + unique[i];
  return out + "]";
}

PrefixTransformer::PrefixTransformer(std::vector<PrefixEntry> entries, std::string no_match,
                                     TransformObserver observer)
    : entries_(std::move(entries)), no_match_(std::move(no_match)), observer_(std::move(observer)) {
  if (entries_.empty()) throw std::invalid_argument("PrefixTransformer needs at least one entry");
}

std::shared_ptr<PrefixTransformer> PrefixTransformer::with_observer(
    TransformObserver observer) const {
  return std::make_shared<PrefixTransformer>(entries_, no_match_, std::move(observer));
}

FromStorage PrefixTransformer::from_storage(std::string_view stored, std::string_view context) {
  const Started started;
  std::vector<std::string> errors;
  for (size_t i = 0; i < entries_.size(); ++i) {
    const auto& e = entries_[i];
    if (!stored.starts_with(e.prefix)) continue;
    try {
      FromStorage out = e.transformer->from_storage(stored.substr(e.prefix.size()), context);
      if (observer_) observer_("from_storage", label(e.prefix), "OK", started.seconds());
      out.stale = out.stale || i != 0;
      return out;
    } catch (const TransformError& err) {
      // identity's "tried to read encrypted data" lets a later provider try, silently.
      if (e.prefix.empty()) continue;
      if (observer_) observer_("from_storage", e.prefix, status_of(err), started.seconds());
      errors.push_back(err.what());
    }
  }
  if (!errors.empty()) throw TransformError(aggregate(errors));
  if (observer_) observer_("from_storage", "unknown", "Unknown", started.seconds());
  throw TransformError(no_match_);
}

std::string PrefixTransformer::to_storage(std::string_view plain, std::string_view context) {
  const Started started;
  const auto& e = entries_.front();
  try {
    std::string out = e.prefix + e.transformer->to_storage(plain, context);
    if (observer_) observer_("to_storage", label(e.prefix), "OK", started.seconds());
    return out;
  } catch (const TransformError& err) {
    if (observer_) observer_("to_storage", label(e.prefix), status_of(err), started.seconds());
    throw;
  }
}

}  // namespace kmslab::apiserver::encryption
