// ${NAME} substitution (scenarios/runner/vars.*) and Go-style durations.
#include "scenarios/runner/vars.hpp"

#include <gtest/gtest.h>

#include "scenarios/runner/duration.hpp"
#include "scenarios/runner/yaml_reader.hpp"

namespace kmslab::scenario {
namespace {

using nlohmann::json;

TEST(Vars, ReplacesEveryVariable) {
  const Vars v = {{"RG", "rg1"}, {"N", "3"}};
  EXPECT_EQ(substitute("/resourceGroups/${RG}/x/${RG}", v), "/resourceGroups/rg1/x/rg1");
  EXPECT_EQ(substitute("no vars", v), "no vars");
  EXPECT_EQ(substitute("$${RG} is ${RG}", v), "${RG} is rg1");
  EXPECT_EQ(substitute("$RG ${N}$", v), "$RG 3$");
}

TEST(Vars, UnknownAndUnterminatedAreErrors) {
  try {
    substitute("a ${NOPE} b", {});
    FAIL();
  } catch (const UnknownVariable& e) {
    EXPECT_EQ(e.name(), "NOPE");
    EXPECT_STREQ(e.what(), "unknown variable ${NOPE}");
  }
  EXPECT_THROW(substitute("a ${RG", {{"RG", "x"}}), std::invalid_argument);
}

TEST(Vars, JsonStringsKeysAndPlainScalarsTyped) {
  const Vars v = {{"ON", "true"}, {"N", "42"}, {"K", "kid"}, {"P", "/a"}};
  const std::string mark(1, kPlainMark);
  const json in = {{"enabled", mark + "${ON}"},
                   {"count", mark + "${N}"},
                   {"quoted", "${N}"},
                   {"${P}", {{"list", {mark + "${K}", 1}}}}};
  const json out = substitute_all(in, v);
  EXPECT_EQ(out["enabled"], true);
  EXPECT_EQ(out["count"], 42);
  EXPECT_EQ(out["quoted"], "42");
  EXPECT_EQ(out["/a"]["list"], json::parse(R"(["kid", 1])"));
}

TEST(Durations, GoStyle) {
  EXPECT_EQ(parse_go_duration("500ms")->count(), 500);
  EXPECT_EQ(parse_go_duration("1h30m")->count(), 5'400'000);
  EXPECT_EQ(parse_go_duration("1.5s")->count(), 1500);
  EXPECT_EQ(parse_go_duration("2d")->count(), 172'800'000);
  EXPECT_EQ(parse_go_duration("0s")->count(), 0);
  for (const char* bad : {"", "5", "s", "1x", "1 s", "-1s", ".s", "1e3s", "99999999999999h"})
    EXPECT_FALSE(parse_go_duration(bad)) << bad;
  EXPECT_EQ(format_duration(std::chrono::milliseconds(5'400'250)), "1h30m250ms");
  EXPECT_EQ(format_duration(std::chrono::milliseconds(0)), "0s");
}

TEST(PlainScalars, CoreSchemaTypes) {
  EXPECT_EQ(typed_plain_scalar("true"), true);
  EXPECT_EQ(typed_plain_scalar("False"), false);
  EXPECT_EQ(typed_plain_scalar("~"), nullptr);
  EXPECT_EQ(typed_plain_scalar("2048"), 2048);
  EXPECT_EQ(typed_plain_scalar("-1.5"), -1.5);
  EXPECT_EQ(typed_plain_scalar("1.29.7"), "1.29.7");
  EXPECT_EQ(typed_plain_scalar("yes"), "yes");  // YAML 1.2: not a boolean
  EXPECT_EQ(typed_plain_scalar("0x1F"), "0x1F");
}

}  // namespace
}  // namespace kmslab::scenario
