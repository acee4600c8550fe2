#include "emulator/aks/supervisor/etcd_seed.hpp"

#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "emulator/core/base64url.hpp"
#include "emulator/core/files.hpp"
#include "emulator/store/etcd_options.hpp"
#include "emulator/store/store.hpp"

namespace kmslab::aks {

namespace fs = std::filesystem;

namespace {

// A put's key and value plus room for the request's own framing.
constexpr size_t kPutOverhead = 4096;
// A batch's bytes, well inside one request.
constexpr size_t kBatchBytes = 1 << 20;

[[noreturn]] void bad(const std::string& what) {
  throw std::invalid_argument(what);
}

std::string string_field(const nlohmann::json& o, const char* name, const std::string& where) {
  if (!o.contains(name) || !o[name].is_string()) bad(where + ": needs a string \"" + name + "\"");
  return o[name].get<std::string>();
}

StoredObject parse_object(const nlohmann::json& o, const std::string& where) {
  if (!o.is_object()) bad(where + ": must be an object");
  StoredObject s;
  s.key = string_field(o, "key", where);
  if (!s.key.starts_with(kRegistryPrefix) || s.key.size() == kRegistryPrefix.size())
    bad(where + ": key '" + s.key + "' is not under " + std::string(kRegistryPrefix));
  auto value = core::base64_decode(string_field(o, "valueBase64", where));
  if (!value) bad(where + " (" + s.key + "): valueBase64 is not standard base64");
  s.value = std::move(*value);
  if (o.contains("prefix")) {
    const std::string prefix = string_field(o, "prefix", where);
    if (!s.value.starts_with(prefix))
      bad(where + " (" + s.key + "): the value does not start with its prefix '" + prefix + "'");
  }
  if (s.key.size() + s.value.size() + kPutOverhead > kEtcdMaxRequestBytes)
    bad(where + " (" + s.key + "): " + std::to_string(s.value.size()) +
        " bytes do not fit in one etcd request (--max-request-bytes 1.5 MiB)");
  return s;
}

}  // namespace

std::vector<StoredObject> parse_stored_objects(std::string_view text) {
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) bad("not JSON");
  if (!j.is_object() || !j.contains("objects") || !j["objects"].is_array())
    bad("expected {\"objects\": [...]}");
  std::vector<StoredObject> out;
  std::set<std::string> seen;
  for (size_t i = 0; i < j["objects"].size(); ++i) {
    const std::string where = "objects[" + std::to_string(i) + "]";
    auto object = parse_object(j["objects"][i], where);
    if (!seen.insert(object.key).second) bad(where + ": key '" + object.key + "' appears twice");
    out.push_back(std::move(object));
  }
  return out;
}

std::string stored_objects_json(const std::vector<StoredObject>& objects) {
  auto list = nlohmann::json::array();
  for (const auto& o : objects)
    list.push_back({{"key", o.key}, {"valueBase64", core::base64_encode(o.value)}});
  return nlohmann::json{{"objects", std::move(list)}}.dump(1) + "\n";
}

fs::path etcd_seed_file(const fs::path& cluster_dir) {
  return cluster_dir / "etcd-seed.json";
}

void put_stored_objects(const std::string& etcd_url, const std::vector<StoredObject>& objects,
                        std::chrono::milliseconds timeout) {
  const auto store = store::open_store(store::etcd_spec_from_urls({etcd_url}) +
                                       "?timeout=" + std::to_string(timeout.count() / 1000.0));
  store::Txn batch;
  size_t bytes = 0;
  auto flush = [&] {
    if (!batch.success.empty()) store->txn(batch);
    batch.success.clear();
    bytes = 0;
  };
  for (const auto& o : objects) {
    const size_t size = o.key.size() + o.value.size() + kPutOverhead;
    if (batch.success.size() == kEtcdMaxTxnOps || bytes + size > kBatchBytes) flush();
    batch.success.push_back(store::Op::put(o.key, o.value));
    bytes += size;
  }
  flush();
}

size_t seed_etcd(const fs::path& seed_file, const std::string& etcd_url,
                 std::chrono::milliseconds timeout) {
  std::error_code ec;
  if (!fs::exists(seed_file, ec)) return 0;
  std::vector<StoredObject> objects;
  try {
    objects = parse_stored_objects(core::read_file(seed_file));
  } catch (const std::invalid_argument& e) {
    bad(seed_file.string() + ": " + e.what());
  }
  put_stored_objects(etcd_url, objects, timeout);
  if (!fs::remove(seed_file, ec) && ec)
    throw std::runtime_error("cannot remove " + seed_file.string() + ": " + ec.message());
  return objects.size();
}

}  // namespace kmslab::aks
