// An incident bundle's state document (emulator/app/incident/state_snapshot.hpp), as
// `kmslab-emulator --import-state` reads it: malformed input raises std::invalid_argument, never
// a crash, and what parses loads into an empty store and reads back the same.
#include <cstdint>
#include <stdexcept>
#include <string_view>

#include "emulator/app/incident/state_snapshot.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kmslab;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto snapshot = app::incident::parse_state(text);
    auto store = store::open_store("memory");
    app::incident::load(*store, snapshot);
    const auto again = app::incident::take(*store, true);
    if (again.entries != snapshot.entries) __builtin_trap();
    (void)app::incident::parse_state(app::incident::to_text(again));
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
