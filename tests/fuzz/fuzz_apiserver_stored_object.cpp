// Stored values of the simulated kube-apiserver (what a transformer hands back, or what etcdctl
// put by hand): "k8s\0" + runtime.Unknown protobuf, or JSON -> decode_object. Every input gives an
// object or a CodecError, never a crash; a decoded object dumps, and re-encodes to something that
// decodes again (what a no-op update does with it).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "emulator/apiserver/storage/object_codec.hpp"

namespace storage = kmslab::apiserver::storage;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view stored(reinterpret_cast<const char*>(data), size);
  auto decoded = storage::decode_object(stored);
  auto* object = std::get_if<nlohmann::json>(&decoded);
  if (!object) return 0;
  (void)object->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  auto encoded = storage::encode_object(*object);
  if (auto* bytes = std::get_if<std::string>(&encoded)) {
    if (stored.starts_with(storage::kProtobufMagic) &&
        std::holds_alternative<storage::CodecError>(storage::decode_object(*bytes)))
      std::abort();  // our own encoding of a decoded object must decode
  }
  return 0;
}
