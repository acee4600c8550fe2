// The scenario parser (scenarios/runner/parser.*): a well-formed file becomes the model, and
// every kind of mistake is reported at its node as FILE:LINE:COL: expected ...
#include "scenarios/runner/parser.hpp"

#include <gtest/gtest.h>

#include "scenarios/runner/yaml_reader.hpp"

namespace kmslab::scenario {
namespace {

using nlohmann::json;

std::shared_ptr<const Fragment> fake_loader(const std::string& file, const std::string&) {
  if (file != "fragments/ok.yaml") throw std::runtime_error(file + " does not exist");
  auto f = std::make_shared<Fragment>();
  f->file = file;
  f->params = {"RG"};
  return f;
}

Scenario parse(const std::string& text) {
  return parse_scenario(text, "s.yaml", fake_loader);
}

const char* kHead = "name: s1\ndescription: d\ncovers: [F1]\nsteps:\n";

TEST(ScenarioParser, ReadsAWellFormedScenario) {
  const Scenario s = parse(std::string(kHead) +
                           "  - name: create\n"
                           "    note: why\n"
                           "    keyvault: {vault: kv1, method: POST, path: /keys/k1/create,\n"
                           "               body: {kty: RSA, key_size: 2048, ok: true, n: null}}\n"
                           "    expect: {status: [200, 201], json: {/key/kty: RSA}}\n"
                           "    capture: {KID: /key/kid, V: {regex: 'keys/k1/(.*)'}}\n"
                           "    retry: {timeout: 2s}\n"
                           "  - name: inc\n"
                           "    include: {file: fragments/ok.yaml, with: {RG: g}}\n");
  EXPECT_EQ(s.name, "s1");
  ASSERT_EQ(s.steps.size(), 2u);
  const Step& st = s.steps[0];
  EXPECT_EQ(st.action, "keyvault");
  EXPECT_EQ(st.line, 5);
  EXPECT_EQ(st.fields["body"], json::parse(R"({"kty":"RSA","key_size":2048,"ok":true,"n":null})"));
  EXPECT_EQ(st.expect["status"], json::parse("[200,201]"));
  EXPECT_EQ(st.expect["json"]["/key/kty"], json::parse(R"({"eq":"RSA"})"));
  EXPECT_EQ(st.capture["V"]["from"], "body");
  EXPECT_EQ(st.retry->timeout.count(), 2000);
  EXPECT_EQ(st.retry->interval.count(), 200);
  EXPECT_EQ(s.steps[1].fragment->params, std::vector<std::string>{"RG"});
  EXPECT_EQ(s.stack.timeout.count(), 120000);
  EXPECT_EQ(s.stack.clock_start, "2026-01-01T00:00:00Z");
}

TEST(ScenarioParser, QuotedScalarsStayStringsAndPlainVariablesAreMarked) {
  const Scenario s = parse(std::string(kHead) +
                           "  - name: a\n"
                           "    admin:\n      path: /x\n      method: POST\n      body:\n"
                           "        a: '1'\n        b: 1\n        c: ${V}\n");
  const json& body = s.steps[0].fields["body"];
  EXPECT_EQ(body["a"], "1");
  EXPECT_EQ(body["b"], 1);
  EXPECT_EQ(body["c"], std::string(1, kPlainMark) + "${V}");
}

struct Bad {
  std::string text;
  std::string message;
};

class Malformed : public ::testing::TestWithParam<Bad> {};

TEST_P(Malformed, IsReportedAtItsNode) {
  try {
    parse(GetParam().text);
    FAIL() << "parsed: " << GetParam().text;
  } catch (const ParseError& e) {
    EXPECT_EQ(e.what(), GetParam().message);
  }
}

std::string step(const std::string& body) {
  return std::string(kHead) + body;
}

INSTANTIATE_TEST_SUITE_P(
    Table, Malformed,
    ::testing::Values(
        Bad{"name: [x\n", "s.yaml:2:1: expected valid YAML (end of sequence flow not found)"},
        Bad{"- a\n",
            "s.yaml:1:1: expected a scenario (a map with name, description, covers, "
            "steps)"},
        Bad{"name: s1\n", "s.yaml:1:1: expected a scenario to have description"},
        Bad{"name: s1\ndescription: d\ncovers: [F1]\nstep: []\n",
            "s.yaml:4:1: expected one of name, description, covers, tags, stack, vars, steps in "
            "a scenario; got unknown key 'step'"},
        Bad{"name: S_1\ndescription: d\ncovers: [F1]\nsteps: []\n",
            "s.yaml:1:7: expected name to match [a-z0-9][a-z0-9-]*; got 'S_1'"},
        Bad{"name: s1\ndescription: d\ncovers: [F1, x]\nsteps: []\n",
            "s.yaml:3:14: expected a seed id such as L4 in covers"},
        Bad{"name: s1\ndescription: d\ncovers: []\nsteps: []\n",
            "s.yaml:3:9: expected covers to name at least one seed id"},
        Bad{"name: s1\ndescription: d\ncovers: [F1]\nsteps: []\n",
            "s.yaml:4:8: expected at least one step"},
        Bad{"name: s1\ndescription: {a: 1}\ncovers: [F1]\nsteps: []\n",
            "s.yaml:2:14: expected description to be a string"},
        Bad{"name: s1\nname: s2\ndescription: d\ncovers: [F1]\nsteps: []\n",
            "s.yaml:2:1: expected each key once in a scenario; 'name' is repeated"},
        Bad{"name: s1\ndescription: d\ncovers: [F1]\nvars: {URL: x}\nsteps: []\n",
            "s.yaml:4:8: expected a name of your own; 'URL' is a built-in variable"},
        Bad{"name: s1\ndescription: d\ncovers: [F1]\nvars: {1A: x}\nsteps: []\n",
            "s.yaml:4:8: expected a variable name ([A-Za-z_][A-Za-z0-9_]*); got '1A'"},
        Bad{"name: s1\ndescription: d\ncovers: [F1]\nstack: {timeout: soon}\nsteps: []\n",
            "s.yaml:4:18: expected timeout to be a duration such as 120s"},
        Bad{"name: s1\ndescription: d\ncovers: [F1]\nstack: {clock_start: tomorrow}\nsteps: []\n",
            "s.yaml:4:22: expected clock_start to be an RFC 3339 time such as "
            "2026-01-01T00:00:00Z; got 'tomorrow'"},
        Bad{step("  - admin: {path: /x}\n"), "s.yaml:5:5: expected a step to have name"},
        Bad{step("  - name: a\n"),
            "s.yaml:5:5: expected step 'a' to have one action key (arm, keyvault, token, kube, "
            "stored, metrics, clock, fault, admin, restart, diagnose, audit, run, include)"},
        Bad{step("  - name: a\n    admin: {path: /x}\n    clock: {advance: 1s}\n"),
            "s.yaml:5:5: expected one action per step; this one has clock and admin"},
        Bad{step("  - name: a\n    admn: {path: /x}\n"),
            "s.yaml:6:5: expected one of name, note, expect, capture, retry, arm, keyvault, "
            "token, kube, stored, metrics, clock, fault, admin, restart, diagnose, audit, run, "
            "include in a step; got unknown key 'admn'"},
        Bad{step("  - name: a\n    arm: {path: /x}\n"),
            "s.yaml:6:10: expected arm to have api_version"},
        Bad{step("  - name: a\n    arm: {path: /x, api_version: v, wait: maybe}\n"),
            "s.yaml:6:43: expected wait to be true or false"},
        Bad{step("  - name: a\n    arm: {path: /x, api_version: v, method: FETCH}\n"),
            "s.yaml:6:45: expected method to be one of GET, PUT, POST, PATCH, DELETE, HEAD; got "
            "'FETCH'"},
        Bad{step("  - name: a\n    keyvault: {path: /keys}\n"),
            "s.yaml:6:15: expected keyvault to have exactly one of vault or url"},
        Bad{step("  - name: a\n    clock: {advance: 1s, set: '2026-01-01T00:00:00Z'}\n"),
            "s.yaml:6:12: expected clock to have exactly one of advance or set"},
        Bad{step("  - name: a\n    clock: {advance: 1 day}\n"),
            "s.yaml:6:22: expected advance to be a duration such as 500ms, 10s, 4m or 1h30m; got "
            "'1 day'"},
        Bad{step("  - name: a\n    metrics: {cluster: g/c, from: etcd}\n"),
            "s.yaml:6:35: expected from to be one of apiserver, kms-plugin; got 'etcd'"},
        Bad{step("  - name: a\n    restart: {process: apiserver}\n"),
            "s.yaml:6:14: expected restart to have emulator: true, or cluster and process"},
        Bad{step("  - name: a\n    run: {command: []}\n"),
            "s.yaml:6:20: expected command to be a string (for bash -c) or a non-empty list "
            "(argv)"},
        Bad{step("  - name: a\n    token: {resource: r, as: {user: x}}\n"),
            "s.yaml:6:31: expected one of service_principal, managed_identity in as; got unknown "
            "key 'user'"},
        Bad{step("  - name: a\n    include: {file: fragments/missing.yaml}\n"),
            "s.yaml:6:21: expected a fragment file that can be read (fragments/missing.yaml does "
            "not exist)"},
        Bad{step(
                "  - name: a\n    include: {file: fragments/ok.yaml}\n    expect: {status: 200}\n"),
            "s.yaml:5:5: expected no expect, capture or retry on an include (its steps have their "
            "own)"},
        Bad{step("  - name: a\n    admin: {path: /x}\n    expect: {exit: 0}\n"),
            "s.yaml:7:14: expected one of status, error, json, headers, body in expect of a admin "
            "step; got unknown key 'exit'"},
        Bad{step("  - name: a\n    admin: {path: /x}\n    expect: {status: ok}\n"),
            "s.yaml:7:22: expected status (an HTTP status or a list of them) to be an integer"},
        Bad{step("  - name: a\n    admin: {path: /x}\n    expect: {json: {a: 1}}\n"),
            "s.yaml:7:21: expected a JSON Pointer (starting with /) in json; got 'a'"},
        Bad{step("  - name: a\n    admin: {path: /x}\n    expect: {json: {/a: {equals: 1}}}\n"),
            "s.yaml:7:26: expected a matcher (eq, ne, contains, not_contains, prefix, matches, "
            "exists, gt, ge, lt, le, len, one_of, any, all, or /pointer) in json /a; got "
            "'equals'"},
        Bad{step("  - name: a\n    admin: {path: /x}\n    expect: {body: {matches: '(' }}\n"),
            "s.yaml:7:30: expected matches to be an ECMAScript regular expression (Mismatched '(' "
            "and ')' in regular expression)"},
        Bad{step("  - name: a\n    admin: {path: /x}\n    expect: {json: {/a: {gt: many}}}\n"),
            "s.yaml:7:30: expected gt to be a number"},
        Bad{step("  - name: a\n    admin: {path: /x}\n    expect: {error: {kode: X}}\n"),
            "s.yaml:7:22: expected one of code, message, message_matches in error; got unknown "
            "key 'kode'"},
        Bad{step("  - name: a\n    admin: {path: /x}\n    capture: {URL: /a}\n"),
            "s.yaml:7:15: expected a name of your own; 'URL' is a built-in variable"},
        Bad{step("  - name: a\n    admin: {path: /x}\n    capture: {A: a}\n"),
            "s.yaml:7:18: expected a JSON Pointer (starting with /) or a map (header, stdout, "
            "stdout_json, regex)"},
        Bad{step("  - name: a\n    admin: {path: /x}\n    capture: {A: {stdout: true}}\n"),
            "s.yaml:7:18: expected stdout/stderr captures only on a run step"},
        Bad{step("  - name: a\n    admin: {path: /x}\n    capture: {A: {header: h, regex: x}}\n"),
            "s.yaml:7:18: expected capture A to have exactly one of header, stdout, stderr, "
            "stdout_json or regex"},
        Bad{step("  - name: a\n    admin: {path: /x}\n    retry: {interval: 1s}\n"),
            "s.yaml:7:12: expected retry to have timeout"},
        Bad{step("  - name: a\n    fault: [x]\n"),
            "s.yaml:6:12: expected fault (a fault rule, or delete: ID) to be a map"}));

TEST(ScenarioParser, FragmentsTakeParamsAndSteps) {
  const Fragment f = parse_fragment("params: [RG]\nsteps:\n  - name: a\n    admin: {path: /x}\n",
                                    "f.yaml", fake_loader);
  EXPECT_EQ(f.params, std::vector<std::string>{"RG"});
  ASSERT_EQ(f.steps.size(), 1u);
  EXPECT_EQ(f.steps[0].file, "f.yaml");
  try {
    parse_fragment("params: [RG]\nname: x\nsteps: []\n", "f.yaml", fake_loader);
    FAIL();
  } catch (const ParseError& e) {
    EXPECT_STREQ(e.what(),
                 "f.yaml:2:1: expected one of params, steps in a fragment; got unknown "
                 "key 'name'");
  }
}

TEST(ScenarioParser, AnchorsThatExplodeAreRefused) {
  std::string text = std::string(kHead) + "  - name: a\n    admin:\n      path: /x\n      body:\n";
  text += "        a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 8; ++i)
    text += "        a" + std::to_string(i) + ": &a" + std::to_string(i) + " [*a" +
            std::to_string(i - 1) + ", *a" + std::to_string(i - 1) + ", *a" +
            std::to_string(i - 1) + ", *a" + std::to_string(i - 1) + ", *a" +
            std::to_string(i - 1) + ", *a" + std::to_string(i - 1) + "]\n";
  EXPECT_THROW(parse(text), ParseError);
}

}  // namespace
}  // namespace kmslab::scenario
