// --default-watch-cache-size, --watch-cache-sizes and --watch-cache as kube-apiserver reads them
// (k8s.io/apiserver/pkg/server/options/etcd.go ParseWatchCacheSizes), and what kmslab refuses.
#include <gtest/gtest.h>

#include <vector>

#include "emulator/apiserver/app/config.hpp"
#include "tests/unit/apiserver/app/flag_args.hpp"

namespace kmslab::apiserver::app {
namespace {

using testing::parse_error;
using testing::parsed;

TEST(WatchCacheFlagsTest, Defaults) {
  Config c = parsed({});
  EXPECT_EQ(c.default_watch_cache_size, 100u);
  EXPECT_TRUE(c.watch_cache_sizes.empty());
}

TEST(WatchCacheFlagsTest, WatchCacheIsABoolFlag) {
  EXPECT_EQ(parse_error({"--watch-cache"}), "");  // pflag: a bare bool flag is true
  EXPECT_EQ(parse_error({"--watch-cache=true"}), "");
  EXPECT_EQ(parse_error({"--watch-cache=1"}), "");
}

TEST(WatchCacheFlagsTest, SizesPerResource) {
  Config c = parsed({"--default-watch-cache-size", "50", "--watch-cache-sizes",
                     "secrets#2,deployments.apps#65536", "--watch-cache-sizes", "configmaps#+7"});
  EXPECT_EQ(c.default_watch_cache_size, 50u);
  EXPECT_EQ(c.watch_cache_sizes,
            (std::map<std::string, size_t>{
                {"secrets", 2}, {"deployments.apps", 65536}, {"configmaps", 7}}));
}

TEST(WatchCacheFlagsTest, KubeApiserverMessages) {
  EXPECT_EQ(parse_watch_cache_sizes({"deployments.apps#65536"}).at("deployments.apps"), 65536u);
  auto refusal = [](const std::string& entry) {
    try {
      parse_watch_cache_sizes({"secrets#1", entry});
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_EQ(refusal("replicasets.extensions"),
            "invalid value of watch cache size: replicasets.extensions");
  EXPECT_EQ(refusal("a#1#2"), "invalid value of watch cache size: a#1#2");
  EXPECT_EQ(refusal("replicasets.extensions#655d1"),
            "invalid size of watch cache size: replicasets.extensions#655d1");
  EXPECT_EQ(refusal("secrets#"), "invalid size of watch cache size: secrets#");
  EXPECT_EQ(refusal("secrets#99999999999999999999"),
            "invalid size of watch cache size: secrets#99999999999999999999");
  EXPECT_EQ(refusal("replicasets.extensions#-65536"),
            "watch cache size cannot be negative: replicasets.extensions#-65536");
}

TEST(WatchCacheFlagsTest, FlagErrors) {
  EXPECT_EQ(parse_error({"--watch-cache-sizes", "secrets"}),
            "invalid value of watch cache size: secrets");
  EXPECT_EQ(parse_error({"--default-watch-cache-size", "x"}),
            "invalid argument \"x\" for \"--default-watch-cache-size\" flag: strconv.ParseInt: "
            "parsing \"x\": invalid syntax");
  EXPECT_EQ(parse_error({"--watch-cache", "maybe"}),
            "invalid argument \"maybe\" for \"--watch-cache\" flag: strconv.ParseBool: parsing "
            "\"maybe\": invalid syntax");
  // No watch cache: kube-apiserver then serves watches from etcd, which kmslab does not build.
  for (auto args : std::vector<std::vector<std::string>>{{"--watch-cache", "false"},
                                                         {"--default-watch-cache-size", "0"},
                                                         {"--watch-cache-sizes", "secrets#0"}}) {
    EXPECT_NE(parse_error(args).find("serving watches without the watch cache is not modelled"),
              std::string::npos)
        << args[0];
  }
  EXPECT_NE(parse_error({"--default-watch-cache-size=-1"}).find("not modelled"), std::string::npos);
}

}  // namespace
}  // namespace kmslab::apiserver::app
