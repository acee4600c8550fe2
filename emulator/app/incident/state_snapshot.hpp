#pragma once
// The emulator's whole state as one document, for incident bundles (tools/kmslab incident):
// every store entry (vaults, keys, identities, role assignments, network rules, ARM resources,
// clusters, faults, the clock, the audit log), taken by GET /_kmslab/state and loaded into an
// empty store by `kmslab-emulator --import-state BUNDLE`.
//
// Without key material (the default) the private parts are withheld: each key version's
// "material" (its private key) is emptied and marked "material_withheld", and the token signing
// key and backup secret are left out (a replay makes new ones; tokens are issued again). A key
// whose material was withheld still lists, reads and shows its public JWK; the emulator gives it
// a stand-in private key at import (stand_in_keys.hpp), and what was encrypted before the export
// answers 403 KeyMaterialWithheld.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "emulator/store/store.hpp"

namespace kmslab::app::incident {

inline constexpr const char* kStateFormat = "kmslab-state";
inline constexpr const char* kBundleFormat = "kmslab-incident";
inline constexpr int kFormatVersion = 1;
inline constexpr const char* kStateFile = "state.json";
inline constexpr const char* kManifestFile = "manifest.json";

struct Snapshot {
  bool key_material = false;
  int64_t revision = 0;
  std::vector<std::pair<std::string, std::string>> entries;  // key -> value, in key order
  size_t withheld = 0;  // key versions whose private material was left out
};

/// Reads every entry of the store, withholding private material unless asked for it.
Snapshot take(store::Store& store, bool include_key_material);
/// The document GET /_kmslab/state answers (JSON, `kStateFormat`, `kFormatVersion`).
std::string to_text(const Snapshot& snapshot);
/// Parses a state document. Throws std::invalid_argument naming what is wrong (not JSON, another
/// format or version, a malformed entry, a key outside the store's namespaces).
Snapshot parse_state(std::string_view text);
/// A bundle directory (manifest.json naming `kBundleFormat` and its version, beside state.json)
/// or a state file. Throws std::invalid_argument naming the file and the problem.
Snapshot read_bundle(const std::filesystem::path& path);
/// Throws std::invalid_argument when `store` already holds state (an import never merges).
void require_empty(store::Store& store);
/// Writes the snapshot into `store` in one transaction. Throws std::invalid_argument when the
/// store already holds state (an import never merges), store::StoreError when the write fails;
/// either way the store is unchanged.
void load(store::Store& store, const Snapshot& snapshot);

}  // namespace kmslab::app::incident
