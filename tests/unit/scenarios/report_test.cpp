// render_html: escaping, counts, seed id coverage, the empty run, the failing step.
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>
#include <vector>

#include "scenarios/runner/report/html_report.hpp"
#include "scenarios/runner/report/run_result_file.hpp"

namespace kmslab::scenario {
namespace {

size_t occurrences(const std::string& haystack, const std::string& needle) {
  size_t count = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + needle.size())) {
    ++count;
  }
  return count;
}

// "" when every element the page opens is closed in order (void elements aside, style and script
// bodies skipped), else where it broke: a stray or missing tag would re-nest the page silently.
std::string tag_balance(const std::string& html) {
  static const std::set<std::string> kVoid = {"meta", "input", "br", "img", "hr", "link"};
  static const std::regex kTag("<(/?)([a-zA-Z0-9]+)[^>]*>");
  std::vector<std::string> open;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), kTag); it != std::sregex_iterator();
       ++it) {
    const std::string name = (*it)[2];
    if ((*it)[1].length() == 0) {
      if (kVoid.count(name) == 0) open.push_back(name);
      if (name == "style" || name == "script") {
        const auto end = html.find("</" + name + ">", static_cast<size_t>(it->position()));
        if (end == std::string::npos) return "unclosed " + name;
        it =
            std::sregex_iterator(html.begin() + static_cast<std::ptrdiff_t>(end), html.end(), kTag);
        open.pop_back();
      }
      continue;
    }
    if (open.empty() || open.back() != name) {
      return "</" + name + "> at " + std::to_string(it->position()) + " closes " +
             (open.empty() ? std::string("nothing") : "<" + open.back() + ">");
    }
    open.pop_back();
  }
  return open.empty() ? "" : "unclosed <" + open.back() + ">";
}

StepResult step(int index, std::string name, std::string status) {
  StepResult s;
  s.index = index;
  s.name = std::move(name);
  s.status = std::move(status);
  s.action = "kube";
  s.virtual_time = "2026-01-01T00:00:00Z";
  return s;
}

ScenarioResult scenario(std::string name, std::string status, std::vector<std::string> covers) {
  ScenarioResult s;
  s.name = std::move(name);
  s.file = "scenarios/" + s.name + ".yaml";
  s.status = std::move(status);
  s.covers = std::move(covers);
  s.seed = 7;
  return s;
}

RunResult sample_run() {
  RunResult run;
  run.seed = 7;
  run.seed_ids = {"F1", "L1", "L4", "O2"};
  run.scenarios.push_back(scenario("a", "passed", {"F1"}));
  run.scenarios.push_back(scenario("b", "passed", {"F1", "L1"}));
  auto failed = scenario("c", "failed", {"L1"});
  failed.steps = {step(0, "first", "passed"), step(1, "second", "failed"),
                  step(2, "third", "skipped")};
  failed.failed_step = 1;
  failed.steps[1].request = "POST /api/v1/namespaces/default/secrets";
  failed.steps[1].response = "201 Created";
  failed.steps[1].message = "expect.status: wanted 500, got 201";
  failed.log_tail = "E0101 apiserver failed to encrypt";
  failed.message = "step 2 failed";
  run.scenarios.push_back(failed);
  run.scenarios.push_back(scenario("d", "error", {}));
  return run;
}

TEST(ScenarioReport, TagBalanceCheckWorks) {
  EXPECT_EQ(tag_balance("<p><b>x</b><br></p><style>a>b{}</style>"), "");
  EXPECT_NE(tag_balance("<div><span></div>"), "");
  EXPECT_NE(tag_balance("<div>"), "");
  EXPECT_NE(tag_balance("</div>"), "");
}

TEST(ScenarioReport, ModelTextRendersAsText) {
  RunResult run = sample_run();
  auto& s = run.scenarios[2];
  s.message = "<script>alert('m')</script>";
  s.name = "x\"><img src=x onerror=alert(1)>";
  s.tags = {"t\"><b>"};
  s.description = "</details><script>alert(2)</script>";
  s.steps[1].request = "<script>alert(3)</script>";
  s.log_tail = "<iframe src=evil>";
  s.events.push_back(Event{"keyvault_call", "2026-01-01T00:00:00Z", 1, "<svg onload=x>",
                           "<script>alert(4)</script>", "error", 1});
  const auto html = render_html(run);
  EXPECT_EQ(tag_balance(html), "");
  EXPECT_EQ(occurrences(html, "<script"), 1u) << "only the page's own script";
  EXPECT_NE(html.find("&lt;script&gt;alert(&#39;m&#39;)&lt;/script&gt;"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("<iframe"), std::string::npos);
  EXPECT_EQ(html.find("<svg"), std::string::npos);
  EXPECT_EQ(html.find("<b>"), std::string::npos);
  EXPECT_NE(html.find("x&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);
}

TEST(ScenarioReport, SummaryCounts) {
  const auto html = render_html(sample_run());
  EXPECT_EQ(tag_balance(html), "");
  for (const std::string part :
       {"id=\"count-total\">4<", "id=\"count-passed\">2<", "id=\"count-failed\">1<",
        "id=\"count-error\">1<", "id=\"coverage\">2 / 4<", "id=\"count-uncovered\">2<",
        "<title>kmslab scenarios: 2 passed, 1 failed, 1 error</title>"}) {
    EXPECT_NE(html.find(part), std::string::npos) << part;
  }
  // The re-run command of each failure, with the scenario's seed.
  EXPECT_NE(html.find("tools/kmslab run scenarios/c.yaml --seed 7"), std::string::npos);
  EXPECT_NE(html.find("tools/kmslab run scenarios/d.yaml --seed 7"), std::string::npos);
  EXPECT_EQ(html.find("tools/kmslab run scenarios/a.yaml"), std::string::npos);
}

TEST(ScenarioReport, UncoveredIdsAreMarked) {
  const auto html = render_html(sample_run());
  for (const std::string id : {"L4", "O2"}) {
    EXPECT_NE(html.find("<tr class=\"seed st-uncovered\" data-seed=\"" + id + "\">"),
              std::string::npos)
        << id;
  }
  EXPECT_NE(html.find("<tr class=\"seed st-passed\" data-seed=\"F1\">"), std::string::npos);
  // L1 is covered by a passed and a failed scenario: the row shows the failure.
  EXPECT_NE(html.find("<tr class=\"seed st-failed\" data-seed=\"L1\">"), std::string::npos);
  EXPECT_EQ(occurrences(html, "no scenario covers this id"), 2u);
}

TEST(ScenarioReport, EmptyRun) {
  RunResult run;
  run.seed_ids = {"F1", "F2"};
  const auto html = render_html(run);
  EXPECT_EQ(tag_balance(html), "");
  EXPECT_NE(html.find("no scenarios ran"), std::string::npos);
  EXPECT_NE(html.find("id=\"count-total\">0<"), std::string::npos);
  EXPECT_NE(html.find("id=\"coverage\">0 / 2<"), std::string::npos);
  EXPECT_EQ(occurrences(html, "no scenario covers this id"), 2u);
  EXPECT_EQ(html.find("<section class=\"failures\""), std::string::npos);
  EXPECT_NE(render_html(RunResult{}).find("The run lists no seed ids"), std::string::npos);
}

TEST(ScenarioReport, FailedStepIsHighlightedAndOpen) {
  const auto html = render_html(sample_run());
  const auto at = html.find("<details class=\"step st-failed failing\" open id=\"sc2-st1\">");
  ASSERT_NE(at, std::string::npos);
  EXPECT_EQ(occurrences(html, " failing\" open"), 1u);
  EXPECT_NE(html.find("<details class=\"step st-passed\" id=\"sc2-st0\">"), std::string::npos);
  const auto end = html.find("</details></li>", at);
  const auto failing = html.substr(at, end - at);
  for (const std::string part :
       {"POST /api/v1/namespaces/default/secrets", "201 Created",
        "expect.status: wanted 500, got 201", "E0101 apiserver failed to encrypt"}) {
    EXPECT_NE(failing.find(part), std::string::npos) << part;
  }
  // A failed scenario opens; a passed one stays closed.
  EXPECT_NE(html.find("id=\"sc2\" data-status=\"failed\""), std::string::npos);
  EXPECT_NE(html.find("data-covers=\"|L1|\"><details open>"), std::string::npos);
  EXPECT_NE(html.find("data-covers=\"|F1|\"><details>"), std::string::npos);
}

TEST(ScenarioReport, FailingStepOutOfRangeFallsBackToTheFailedStep) {
  RunResult run = sample_run();
  run.scenarios[2].failed_step = 99;
  EXPECT_NE(render_html(run).find("failing\" open id=\"sc2-st1\""), std::string::npos);
  run.scenarios[2].failed_step = -5;
  run.scenarios[2].steps[1].status = "passed";
  const auto html = render_html(run);
  EXPECT_EQ(html.find(" failing\""), std::string::npos);
  // No failing step: the log tail goes with the scenario instead.
  EXPECT_NE(html.find("E0101 apiserver failed to encrypt"), std::string::npos);
}

TEST(ScenarioReport, TimelineShowsClockJumpsAndLanes) {
  RunResult run = sample_run();
  auto& s = run.scenarios[2];
  s.steps[2].virtual_time = "2026-01-01T00:04:00Z";
  s.events = {
      Event{"keyvault_call", "2026-01-01T00:00:00Z", 10, "KeyEncrypt k1 -> 200", "", "ok", 0},
      Event{"clock_jump", "2026-01-01T00:04:00Z", 20, "+4m", "", "ok", 2},
      Event{"plugin_call", "not a time", 30, "Status -> Unavailable", "", "error", 2},
  };
  const auto html = render_html(run);
  for (const std::string part :
       {"<th class=\"jump\">+4m</th>", "<th class=\"instant\">00:04:00</th>", "time unknown",
        "<tr class=\"k-keyvault_call\"><th class=\"lane\">Key Vault</th>",
        "<tr class=\"k-plugin_call\">", "id=\"sc2-ev2\"",
        "<a class=\"tick s-error\" href=\"#sc2-ev2\" title=\"Status -&gt; Unavailable\"></a>"}) {
    EXPECT_NE(html.find(part), std::string::npos) << part;
  }
  EXPECT_EQ(html.find("<tr class=\"k-process\">"), std::string::npos) << "empty lanes are left out";
}

TEST(ScenarioReport, ManyEventsAreCappedButErrorsAlwaysListed) {
  RunResult run = sample_run();
  auto& s = run.scenarios[2];
  for (int i = 0; i < 1000; ++i) {
    s.events.push_back(
        Event{"plugin_call", "2026-01-01T00:00:00Z", i, "Decrypt -> ok", "", "ok", 0});
  }
  s.events.push_back(
      Event{"plugin_call", "2026-01-01T00:00:00Z", 1000, "Decrypt -> Unavailable", "", "error", 0});
  const auto html = render_html(run);
  EXPECT_EQ(tag_balance(html), "");
  EXPECT_EQ(occurrences(html, "<li class=\"event k-plugin_call s-ok\""), 400u);
  EXPECT_NE(html.find("id=\"sc2-ev1000\""), std::string::npos);
  EXPECT_NE(html.find("600 more events not listed"), std::string::npos);
  EXPECT_NE(html.find("<span class=\"more\">+961</span>"), std::string::npos);
}

TEST(ScenarioReport, RendersTheSampleFixture) {
  const auto run = read_run_result_file(KMSLAB_FIXTURES_DIR "/scenarios/run-result-sample.json");
  ASSERT_EQ(run.scenarios.size(), 5u);
  const auto html = render_html(run);
  EXPECT_EQ(tag_balance(html), "");
  EXPECT_NE(html.find("id=\"count-passed\">3<"), std::string::npos);
  EXPECT_NE(html.find("id=\"count-failed\">1<"), std::string::npos);
  EXPECT_NE(html.find("id=\"count-error\">1<"), std::string::npos);
  EXPECT_NE(html.find("failing\" open id=\"sc0-st7\""), std::string::npos);
  EXPECT_EQ(occurrences(html, "<script"), 1u);
}

}  // namespace
}  // namespace kmslab::scenario
