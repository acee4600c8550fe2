// The fault rule parser: raw bytes -> untrusted JSON -> parse_rule. An accepted rule must survive
// its stored form unchanged (what a restart reads back), match without throwing, and produce an
// error reply in the Azure envelope when it is an error action.
#include <cstdint>
#include <string>

#include "emulator/core/json_input.hpp"
#include "emulator/faults/rule.hpp"

namespace {

using namespace kmslab;

const faults::OperationNames& operations() {
  static const faults::OperationNames ops = {
      {"keyvault",
       {"encrypt", "decrypt", "wrapkey", "unwrapkey", "sign", "verify", "get", "create"}},
      {"identity", {"token"}},
      {"imds", {"token"}}};
  return ops;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto j = core::parse_untrusted_json(text);
  if (j.is_discarded()) return 0;
  auto parsed = faults::parse_rule(j, operations());
  if (std::holds_alternative<std::string>(parsed)) {
    if (std::get<std::string>(parsed).empty()) __builtin_trap();  // every refusal says why
    return 0;
  }
  faults::Rule rule = std::get<faults::Rule>(std::move(parsed));
  rule.id = "fuzz";
  const auto back = faults::from_stored(faults::to_stored(rule));
  if (!back || faults::to_json(*back) != faults::to_json(rule)) __builtin_trap();
  const faults::FaultTarget target{
      "keyvault", "v1", "k1", "encrypt", "0a1b2c3d-0000-4000-8000-000000000001", "127.0.0.1"};
  (void)rule.match.matches(target);
  if (const auto* e = std::get_if<faults::ErrorAction>(&rule.action)) {
    const auto reply = faults::error_reply(*e);
    if (reply.status < 400 || reply.status > 599) __builtin_trap();
    const auto body = nlohmann::json::parse(reply.body);
    // identity and IMDS answer OAuth's flat error, Key Vault Azure's envelope.
    const bool shaped =
        e->oauth ? body["error"].is_string() && body["error_description"].is_string()
                 : body["error"]["code"].is_string() && body["error"]["message"].is_string();
    if (!shaped) __builtin_trap();
  }
  return 0;
}
