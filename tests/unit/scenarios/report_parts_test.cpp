// The report's parts: escaping, formatting, coverage figures, reading a run result file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "scenarios/runner/report/html_escape.hpp"
#include "scenarios/runner/report/report_format.hpp"
#include "scenarios/runner/report/run_result_file.hpp"
#include "scenarios/runner/report/run_summary.hpp"

namespace kmslab::scenario {
namespace {

TEST(HtmlEscape, EntitiesForMarkupCharacters) {
  EXPECT_EQ(html::escaped("<a href=\"x\" title='y'>&</a>"),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
  EXPECT_EQ(html::escaped("plain text\twith\nlines\r"), "plain text\twith\nlines\r");
}

TEST(HtmlEscape, ControlsAndInvalidUtf8BecomeReplacementCharacters) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(html::escaped(std::string("a\0b", 3)), "a" + fffd + "b");
  EXPECT_EQ(html::escaped("\x1b[31m"), fffd + "[31m");
  EXPECT_EQ(html::escaped("\x7f"), fffd);
  EXPECT_EQ(html::escaped("\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x94\x91"),
            "\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x94\x91");
  EXPECT_EQ(html::escaped("\xC3"), fffd);                                   // truncated
  EXPECT_EQ(html::escaped("\xC0\xAF"), fffd + fffd);                        // overlong
  EXPECT_EQ(html::escaped("\xED\xA0\x80"), fffd + fffd + fffd);             // surrogate
  EXPECT_EQ(html::escaped("\xF4\x90\x80\x80"), fffd + fffd + fffd + fffd);  // > U+10FFFF
  EXPECT_EQ(html::escaped("\xFF<"), fffd + "&lt;");
}

TEST(ReportFormat, Durations) {
  using report::format_duration_ms;
  EXPECT_EQ(format_duration_ms(0), "0 ms");
  EXPECT_EQ(format_duration_ms(850), "850 ms");
  EXPECT_EQ(format_duration_ms(1234), "1.2 s");
  EXPECT_EQ(format_duration_ms(123'000), "2 min 03 s");
  EXPECT_EQ(format_duration_ms(3'720'000), "1 h 02 min");
  EXPECT_EQ(format_duration_ms(-5), "-5 ms");
  EXPECT_FALSE(format_duration_ms(INT64_MIN).empty());
}

TEST(ReportFormat, ClockJumpsAsScenarioDurations) {
  using report::format_jump_ms;
  EXPECT_EQ(format_jump_ms(4 * 60'000), "+4m");
  EXPECT_EQ(format_jump_ms(90 * 60'000), "+1h30m");
  EXPECT_EQ(format_jump_ms(400LL * 86'400'000), "+400d");
  EXPECT_EQ(format_jump_ms(-3'600'000), "-1h");
  EXPECT_EQ(format_jump_ms(1250), "+1s250ms");
  EXPECT_EQ(format_jump_ms(0), "+0s");
  EXPECT_FALSE(format_jump_ms(INT64_MIN).empty());
}

TEST(ReportFormat, Times) {
  using namespace report;
  const auto t = parse_time_ms("2027-02-05T13:04:05.250Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(time_of_day(*t), "13:04:05");
  EXPECT_EQ(date_of(*t), "2027-02-05");
  EXPECT_EQ(*parse_time_ms("2027-02-05T14:04:05.250+01:00"), *t);
  for (const char* bad : {"", "2027", "yesterday", "9999-01-01T00:00:00Z", "0001-01-01T00:00:00Z",
                          "2027-13-01T00:00:00Z"}) {
    EXPECT_FALSE(parse_time_ms(bad)) << bad;
  }
}

TEST(ReportSummary, RerunCommandQuotesAndFallsBackToTheRunSeed) {
  RunResult run;
  run.seed = 99;
  ScenarioResult s;
  s.name = "key-expired";
  s.file = "scenarios/key expired.yaml";
  EXPECT_EQ(report::rerun_command(run, s),
            "tools/kmslab run 'scenarios/key expired.yaml' --seed 99");
  s.seed = 5;
  s.file = "";
  EXPECT_EQ(report::rerun_command(run, s), "tools/kmslab run --filter key-expired --seed 5");
  s.name = "it's";
  EXPECT_EQ(report::rerun_command(run, s), "tools/kmslab run --filter 'it'\\''s' --seed 5");
}

TEST(ReportSummary, SeedRowsKeepOrderWorstStatusAndUnlistedIds) {
  RunResult run;
  run.seed_ids = {"F1", "L1"};
  ScenarioResult a, b;
  a.status = "passed";
  a.covers = {"L1", "L1", "X9"};
  b.status = "error";
  b.covers = {"L1"};
  run.scenarios = {a, b};
  const auto rows = report::seed_rows(run);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].id, "F1");
  EXPECT_EQ(rows[0].status, "uncovered");
  EXPECT_EQ(rows[1].id, "L1");
  EXPECT_EQ(rows[1].status, "error");
  EXPECT_EQ(rows[1].scenarios, (std::vector<size_t>{0, 1}));
  EXPECT_EQ(rows[2].id, "X9");
  EXPECT_FALSE(rows[2].listed);
  EXPECT_EQ(report::status_class("<b>"), "other");
  const auto counts = report::count_statuses(run);
  EXPECT_EQ(counts.passed, 1);
  EXPECT_EQ(counts.error, 1);
  EXPECT_EQ(counts.total(), 2);
}

TEST(RunResultFile, MalformedInputGivesAClearError) {
  const auto message = [](std::string_view text) {
    try {
      (void)parse_run_result(text);
    } catch (const RunResultError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("{\"seed\":").find("not JSON"), std::string::npos);
  EXPECT_NE(message("").find("not JSON"), std::string::npos);
  EXPECT_NE(message("{\"seed\":1e400}").find("not JSON"), std::string::npos);
  EXPECT_NE(message("[1,2]").find("the top level is array"), std::string::npos);
  EXPECT_NE(message("{\"seed\":\"x\"}").find("not a run result"), std::string::npos);
  EXPECT_NE(message("{\"scenarios\":[{\"steps\":{}}]}").find("not a run result"),
            std::string::npos);
  EXPECT_NE(message(std::string(100, '[') + std::string(100, ']')).find("nests deeper than"),
            std::string::npos);
  EXPECT_NE(message("{\"seed\":1.849e19}").find("the number 1.849e+19 at /seed is out of range"),
            std::string::npos);
  EXPECT_NE(message("{\"scenarios\":[{\"steps\":[{\"line\":1e12}]}]}")
                .find("at /scenarios/0/steps/0/line"),
            std::string::npos);
  EXPECT_EQ(parse_run_result("{\"jobs\":2.0}").jobs, 2);
  // Missing fields take their defaults.
  const auto run = parse_run_result("{\"scenarios\":[{\"name\":\"a\"}]}");
  ASSERT_EQ(run.scenarios.size(), 1u);
  EXPECT_EQ(run.scenarios[0].failed_step, -1);
}

TEST(RunResultFile, MissingFileAndDirectoryAreNamed) {
  const auto dir = std::filesystem::temp_directory_path();
  const auto missing = dir / "kmslab-report-test-missing.json";
  std::filesystem::remove(missing);
  try {
    (void)read_run_result_file(missing);
    FAIL() << "no error";
  } catch (const RunResultError& e) {
    EXPECT_NE(std::string(e.what()).find(missing.string()), std::string::npos);
  }
  EXPECT_THROW((void)read_run_result_file(dir), RunResultError);
}

}  // namespace
}  // namespace kmslab::scenario
