// An incident bundle's stored-objects.json (emulator/aks/supervisor/etcd_seed.hpp), as
// `kmslab-emulator --import-state` and the supervisor's etcd seeding read it: malformed input
// raises std::invalid_argument, never a crash, and what parses writes back to the same objects.
#include <cstdint>
#include <stdexcept>
#include <string_view>

#include "emulator/aks/supervisor/etcd_seed.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kmslab;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto objects = aks::parse_stored_objects(text);
    if (aks::parse_stored_objects(aks::stored_objects_json(objects)) != objects) __builtin_trap();
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
