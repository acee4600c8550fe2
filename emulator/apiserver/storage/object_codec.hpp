#pragma once
// The bytes kube-apiserver stores for a built-in object, before the transformers run (kms.md
// §2.1): the 4-byte magic "k8s\0", then runtime.Unknown{typeMeta{apiVersion, kind}, raw = the
// object's protobuf, contentEncoding "", contentType ""}, encoded as Go's generated (gogo)
// marshallers encode: fields in number order, map entries sorted by key, and every non-pointer
// field written even when empty ([AM] runtime/serializer/protobuf/protobuf.go doEncode,
// runtime/types_proto.go, core/v1 and meta/v1 generated.pb.go). The same deterministic bytes for
// the same object are what the no-op update rule compares (§2.4).
//
// Decoding reads that form and JSON values too, as kube-apiserver's storage decoder accepts both
// (values written by older kmslab builds, or put by hand with etcdctl).
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <variant>

namespace kmslab::apiserver::storage {

inline constexpr std::string_view kProtobufMagic("k8s\0", 4);

/// An object that cannot be encoded or bytes that cannot be decoded; the text says why, in the
/// words of Go's decoders where they have them.
struct CodecError {
  std::string message;
};

/// Secret, ConfigMap and Namespace (by "kind") as protobuf; any other kind as compact JSON, as
/// kube-apiserver stores custom resources. metadata.resourceVersion and metadata.selfLink are not
/// stored (APIObjectVersioner.PrepareObjectForStorage clears both).
std::variant<std::string, CodecError> encode_object(const nlohmann::json& object);

/// The object as kube-apiserver serves it in JSON (Go's omitempty rules), from either form.
std::variant<nlohmann::json, CodecError> decode_object(std::string_view stored);

/// runtime.Unknown's raw for one kind ("Secret", ...) as JSON, apiVersion and kind added; the
/// request-body path shares it. CodecError for an unknown kind or malformed wire data.
std::variant<nlohmann::json, CodecError> decode_raw(std::string_view api_version,
                                                    std::string_view kind, std::string_view raw);

}  // namespace kmslab::apiserver::storage
