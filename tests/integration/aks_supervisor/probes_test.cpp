// What the supervisor reads to tell a process serves, including what it must not be fooled by.
#include "emulator/aks/supervisor/probes.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace kmslab::aks {
namespace {

TEST(Probes, PluginLogLines) {
  const std::string log =
      "W1201 11:49:01.219000 plugin] \"Starting KeyManagementServiceServer service\"\n"
      "W1201 11:49:01.300000 plugin] \"health and metrics listening\" "
      "healthz=\"127.0.0.1:40123/healthz\" metrics=\"127.0.0.1:40124/metrics\"\n";
  EXPECT_EQ(plugin_healthz_port(log), 40123);
  EXPECT_FALSE(plugin_listening(log));
  EXPECT_TRUE(
      plugin_listening(log + "W1201 plugin] \"Listening for connections\" addr=\"unix:///x\"\n"));
  for (const char* bad :
       {"", "health and metrics listening", "\"health and metrics listening\" healthz=\"x\"",
        "\"health and metrics listening\" healthz=\"127.0.0.1:0/healthz\"",
        "\"health and metrics listening\" healthz=\"127.0.0.1:99999/healthz\"",
        "\"health and metrics listening\" healthz=\"127.0.0.1:/healthz\"",
        "\"health and metrics listening\" healthz=\"127.0.0.1:12"}) {
    EXPECT_FALSE(plugin_healthz_port(bad)) << bad;
  }
}

TEST(Probes, Kubeconfig) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("kmslab-probes-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto file = dir / "kubeconfig";
  EXPECT_FALSE(read_kubeconfig(file));
  for (const char* bad :
       {"", "{", "[]", "{\"clusters\":[]}", "{\"clusters\":[{\"cluster\":{\"server\":1}}]}"}) {
    std::ofstream(file) << bad;
    EXPECT_FALSE(read_kubeconfig(file)) << bad;
  }
  std::ofstream(file)
      << R"({"clusters":[{"name":"k","cluster":{"server":"https://127.0.0.1:5","certificate-authority":"/ca"}}],
                             "users":[{"name":"a","user":{"token":"tok"}}]})";
  const auto a = read_kubeconfig(file);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->url, "https://127.0.0.1:5");
  EXPECT_EQ(a->token, "tok");
  EXPECT_EQ(a->ca_file, "/ca");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace kmslab::aks
