#pragma once
// A replay of a bundle without key material gives each withheld key version a stand-in private
// key, made at import: the cluster's plugin encrypts and decrypts new values again (its health
// check round-trips), while values encrypted before the export do not decrypt and say why
// (keyvault's KeyMaterialWithheld). The public JWK shown stays the original one.
#include <cstddef>

#include "emulator/app/incident/state_snapshot.hpp"

namespace kmslab::app::incident {

/// Replaces every withheld material in `snapshot` with a new key of the same type and size;
/// returns how many. Throws std::invalid_argument for a record it cannot make a key for.
size_t make_stand_in_keys(Snapshot& snapshot);

}  // namespace kmslab::app::incident
