// The clock protocol's bodies (emulator/core/clock_protocol.md): subscriber registrations (also
// the emulator's stored form), step requests and step answers. Every refusal says why, and what
// is accepted survives its own serialisation unchanged.
#include <cstdint>
#include <string>

#include "emulator/core/clock_protocol.hpp"

namespace {

using namespace kmslab::core::clock_protocol;

template <class T>
const T* accepted(const Parsed<T>& p) {
  if (const auto* why = std::get_if<std::string>(&p)) {
    if (why->empty()) __builtin_trap();
    return nullptr;
  }
  return &std::get<T>(p);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto reg = parse_registration(text);
  if (const auto* r = accepted(reg)) {
    const auto back = parse_registration(to_json(*r).dump());
    const auto* b = accepted(back);
    if (!b || b->name != r->name || b->step_url != r->step_url || b->secret != r->secret ||
        b->ca_pem != r->ca_pem || b->next_due != r->next_due)
      __builtin_trap();
  }
  const auto step = parse_step_request(text);
  if (const auto* s = accepted(step)) {
    const auto back = parse_step_request(to_json(*s).dump());
    if (!accepted(back) || std::get<StepRequest>(back).now != s->now) __builtin_trap();
  }
  const auto answer = parse_step_answer(text);
  if (const auto* a = accepted(answer)) {
    const auto back = parse_step_answer(to_json(*a).dump());
    const auto* b = accepted(back);
    if (!b || b->now != a->now || b->next_due != a->next_due) __builtin_trap();
  }
  return 0;
}
