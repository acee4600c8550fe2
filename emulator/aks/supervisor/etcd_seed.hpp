#pragma once
// Replaying an incident bundle of a cluster on its own etcd (--aks-cluster-store=etcd): the
// bundle's stored objects (stored-objects.json: each etcd key under /registry/ and its value as
// stored, the KMS envelopes byte for byte) are put into the replayed cluster's fresh etcd member
// through the etcd v3 API before its apiserver starts, so the apiserver serves them as after a
// restart.
//
// Why this way: a fresh member seeded through the v3 API needs nothing but the etcd already
// supervised (no etcdctl snapshot restore, whose member/peer flags would have to match the ports
// the supervisor chooses), and the objects stay a readable, editable JSON list in the bundle.
// The emulator's --import-state checks the whole list before touching anything and writes it to
// <cluster dir>/etcd-seed.json; the cluster's thread seeds once etcd answers /health and removes
// the file only then, and starts the apiserver only after that. Seeding is idempotent (the same
// puts again), so a failure or a kill -9 part way seeds again on the next try: no apiserver ever
// serves a half-seeded etcd.
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace kmslab::aks {

struct StoredObject {
  std::string key;    // /registry/<resource>/[<namespace>/]<name>
  std::string value;  // the bytes as stored (k8s:enc:kms:v2:<provider>:... for KMS)
  bool operator==(const StoredObject&) const = default;
};

/// The key prefix the supervised apiservers store under (kube-apiserver's --etcd-prefix default).
inline constexpr std::string_view kRegistryPrefix = "/registry/";
/// etcd's --max-request-bytes default (1.5 MiB): one put must fit in one request.
inline constexpr size_t kEtcdMaxRequestBytes = 1572864;
/// etcd's --max-txn-ops default: the most puts one transaction may carry.
inline constexpr size_t kEtcdMaxTxnOps = 128;

/// Parses `{"objects":[{"key":K,"valueBase64":V[,"prefix":P]},...]}` (stored-objects.json, as
/// tools/kmslab incident export writes it). Throws std::invalid_argument naming the object and
/// what is wrong: not that shape, a key outside /registry/ or repeated, a value that is not
/// standard base64 or does not start with its "prefix", an object too large for one etcd put.
std::vector<StoredObject> parse_stored_objects(std::string_view text);
/// The same document (what parse_stored_objects reads back).
std::string stored_objects_json(const std::vector<StoredObject>& objects);

/// <cluster dir>/etcd-seed.json: present while the cluster's etcd still awaits the objects.
std::filesystem::path etcd_seed_file(const std::filesystem::path& cluster_dir);

/// Puts every object into the etcd at `etcd_url` (http://host:port) in transactions within
/// etcd's default limits, each call within `timeout`. Throws store::StoreError when etcd refuses
/// or does not answer.
void put_stored_objects(const std::string& etcd_url, const std::vector<StoredObject>& objects,
                        std::chrono::milliseconds timeout = std::chrono::seconds(5));

/// Seeds the etcd at `etcd_url` from `seed_file` when it exists, then removes the file; returns
/// how many objects were put (0 without a file). Throws (std::invalid_argument for a malformed
/// file, store::StoreError, std::runtime_error when the file cannot be read or removed) and
/// leaves the file in place: a later call seeds again.
size_t seed_etcd(const std::filesystem::path& seed_file, const std::string& etcd_url,
                 std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace kmslab::aks
