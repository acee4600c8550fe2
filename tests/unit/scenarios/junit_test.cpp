// The runner's JUnit XML: CI systems must be able to read it whatever a scenario's message or
// log tail held.
#include <gtest/gtest.h>

#include "scenarios/runner/junit.hpp"

namespace kmslab::scenario {
namespace {

RunResult run_with(ScenarioResult s) {
  RunResult run;
  run.started_at = "2026-01-01T00:00:00Z";
  run.seed = 7;
  run.scenarios.push_back(std::move(s));
  return run;
}

TEST(JunitXml, PassedScenarioIsAnEmptyTestcase) {
  ScenarioResult s;
  s.name = "p5-create";
  s.file = "scenarios/p5.yaml";
  s.status = "passed";
  s.duration_ms = 1500;
  const auto xml = junit_xml(run_with(s));
  EXPECT_NE(xml.find("<testcase classname=\"scenarios\" name=\"p5-create\" file=\"scenarios/"
                     "p5.yaml\" time=\"1.500\"/>"),
            std::string::npos)
      << xml;
  EXPECT_EQ(xml.find("<failure"), std::string::npos);
}

TEST(JunitXml, FailureTextIsEscapedIntoWellFormedXml) {
  ScenarioResult s;
  s.name = "a<b>&\"c'";
  s.status = "failed";
  s.message = "expected \"Succeeded\" & got <Failed>";
  s.log_tail = std::string("bell\x07 esc\x1b bad\xff utf8 ok\xc3\xa9\n");
  const auto xml = junit_xml(run_with(s));
  EXPECT_NE(xml.find("name=\"a&lt;b&gt;&amp;&quot;c&#39;\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("message=\"expected &quot;Succeeded&quot; &amp; got &lt;Failed&gt;\""),
            std::string::npos);
  // XML 1.0 allows no C0 control but tab, newline and return, and must be valid UTF-8.
  for (unsigned char c : xml) {
    if (c < 0x20) {
      EXPECT_TRUE(c == '\n' || c == '\t' || c == '\r') << int(c);
    }
  }
  EXPECT_EQ(xml.find('\xff'), std::string::npos);
  EXPECT_NE(xml.find("bell\xEF\xBF\xBD esc\xEF\xBF\xBD bad\xEF\xBF\xBD utf8 ok\xc3\xa9"),
            std::string::npos);
}

TEST(JunitXml, StackThatDidNotStartIsAnError) {
  ScenarioResult s;
  s.name = "x";
  s.status = "error";
  s.message = "the emulator did not start";
  const auto xml = junit_xml(run_with(s));
  EXPECT_NE(xml.find("<error message=\"the emulator did not start\">"), std::string::npos) << xml;
}

}  // namespace
}  // namespace kmslab::scenario
