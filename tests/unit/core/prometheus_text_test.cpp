// Prometheus text read back (emulator/core/prometheus_text): the forms expfmt accepts, and each
// malformed line dropped on its own while the lines around it still count.
#include "emulator/core/prometheus_text.hpp"

#include "emulator/core/metrics.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace kmslab::core {
namespace {

TEST(PrometheusText, ReadsNamesLabelsValuesAndTimestamps) {
  const auto s = parse_prometheus_text(
      "# HELP up whether\n# TYPE up gauge\nup 1\n"
      "m{a=\"x\\\"y\",b=\"l1\\nl2\\\\\",} 2.5 1700000000\n"
      "  spaced\t{ a = \"1\" }\t-3e2  \n"
      "ns:sub_total 0x10\ninf +Inf\nneg -inf\nnan NaN\nts 1 -5\n");
  ASSERT_EQ(s.size(), 8u);
  EXPECT_EQ(s[0].name, "up");
  EXPECT_EQ(s[0].value, 1);
  EXPECT_EQ(s[1].labels.at("a"), "x\"y");
  EXPECT_EQ(s[1].labels.at("b"), "l1\nl2\\");
  EXPECT_EQ(s[1].value, 2.5);
  EXPECT_EQ(s[2].name, "spaced");
  EXPECT_EQ(s[2].labels.at("a"), "1");
  EXPECT_EQ(s[2].value, -300);
  EXPECT_EQ(s[3].name, "ns:sub_total");
  EXPECT_EQ(s[3].value, 16);
  EXPECT_TRUE(std::isinf(s[4].value) && s[4].value > 0);
  EXPECT_TRUE(std::isinf(s[5].value) && s[5].value < 0);
  EXPECT_TRUE(std::isnan(s[6].value)) << "NaN is a sample's value, not a malformed line";
  EXPECT_EQ(s[7].name, "ts");
}

TEST(PrometheusText, MalformedLinesAreDroppedOneByOne) {
  for (const char* bad : {
           "x",                         // no value
           "x 1x",                      // trailing garbage in the value
           "x nan(1)",                  // strtod's form Go refuses
           "x 1 2.5",                   // fractional timestamp
           "x 1 99999999999999999999",  // timestamp beyond int64
           "x 1 2 3",                   // a third token
           "1x 1",                      // name starts with a digit
           "x{a=\"1\" 1",               // unterminated label set
           "x{a=\"1} 1",                // unterminated label value
           "x{a=1} 1",                  // unquoted label value
           "x{a:b=\"1\"} 1",            // ':' in a label name
           "x{=\"1\"} 1",               // empty label name
           "x{a=\"\\t\"} 1",            // escape expfmt refuses
           "x{a=\"1\",a=\"2\"} 1",      // duplicate label
           "x{a=\"1\" b=\"2\"} 1",      // missing comma
           "x{a=\"1\"}",                // labels, no value
           "x 1\r",                     // CR is no blank
           "{a=\"1\"} 1",               // no name
           "x{a=\"\\",                  // escape at the end
       }) {
    const std::string text = std::string("before 1\n") + bad + "\nafter 2\n";
    const auto s = parse_prometheus_text(text);
    ASSERT_EQ(s.size(), 2u) << bad;
    EXPECT_EQ(s[0].name, "before") << bad;
    EXPECT_EQ(s[1].name, "after") << bad;
  }
  EXPECT_TRUE(parse_prometheus_text("").empty());
  EXPECT_TRUE(parse_prometheus_text("\n\n#\n").empty());
  EXPECT_EQ(parse_prometheus_text(std::string("x 1\n\0 1\n", 9)).size(), 1u);
}

TEST(PrometheusText, SampleValueMatchesNameAndExactLabels) {
  const std::string text =
      "# TYPE apiserver_storage_objects gauge\n"
      "apiserver_storage_objects{resource=\"configmaps\"} 3\n"
      "apiserver_storage_objects{resource=\"secrets\",extra=\"1\"} 7\n"
      "apiserver_storage_objects{resource=\"secrets\"} 2001\n";
  EXPECT_EQ(sample_value(text, "apiserver_storage_objects", {{"resource", "secrets"}}), 2001);
  EXPECT_EQ(sample_value(text, "apiserver_storage_objects", {{"resource", "pods"}}), std::nullopt);
  EXPECT_EQ(sample_value(text, "apiserver_storage_objects", {}), std::nullopt);
  EXPECT_EQ(sample_value("apiserver_storage_objects{resource=\"secrets\"} x1\n",
                         "apiserver_storage_objects", {{"resource", "secrets"}}),
            std::nullopt);
  EXPECT_EQ(sample_value("", "a", {{"b", "c"}}), std::nullopt);
}

// What this project's own /metrics pages render reads back whole: escaped label values,
// histograms with their le buckets, non-finite gauges.
TEST(PrometheusText, ReadsWhatTheMetricsRegistryRenders) {
  MetricsRegistry registry;
  registry.counter("kmslab_requests_total", "h", {"path"}).inc({"a\"b\\c\nd"}, 3);
  registry.histogram("kmslab_seconds", "h", {"op"}, {0.1, 1}).observe({"get"}, 0.5);
  registry.gauge("kmslab_gauge", "h", {"k"}).set({"v"}, -INFINITY);
  const auto s = parse_prometheus_text(registry.render());
  EXPECT_EQ(sample_value(registry.render(), "kmslab_requests_total", {{"path", "a\"b\\c\nd"}}), 3);
  EXPECT_EQ(sample_value(registry.render(), "kmslab_seconds_bucket", {{"op", "get"}, {"le", "1"}}),
            1);
  EXPECT_EQ(
      sample_value(registry.render(), "kmslab_seconds_bucket", {{"op", "get"}, {"le", "0.1"}}), 0);
  EXPECT_EQ(sample_value(registry.render(), "kmslab_seconds_count", {{"op", "get"}}), 1);
  EXPECT_EQ(sample_value(registry.render(), "kmslab_gauge", {{"k", "v"}}), -INFINITY);
  EXPECT_EQ(s.size(), 1u + 3u + 2u + 1u)
      << registry.render();  // counter, 3 buckets, sum+count, gauge
}

}  // namespace
}  // namespace kmslab::core
