// kmslab-aks-cluster-bench (tools/bench/aks_cluster.sh): N KMS v2 clusters brought up one after
// another under an in-process emulator; prints, per cluster, the time from apply to kRunning and
// the resident memory of its processes (plugin + apiserver, VmRSS from /proc), then a summary.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <future>
#include <string>

#include "emulator/core/files.hpp"
#include "tests/integration/aks_supervisor/world.hpp"

namespace {

long rss_kib(pid_t pid) {
  try {
    const std::string status = kmslab::core::read_file("/proc/" + std::to_string(pid) + "/status");
    const auto at = status.find("VmRSS:");
    return at == std::string::npos ? 0 : std::stol(status.substr(at + 6));
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace kmslab;
  const int clusters = argc > 1 ? std::max(1, std::atoi(argv[1])) : 3;
  const auto dir =
      std::filesystem::temp_directory_path() / ("kmslab-aks-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::vector<double> times;
  std::vector<long> rss;
  {
    test::World world(dir / "emu", std::chrono::seconds(30));
    const std::string version = world.create_key("kek");
    for (int i = 0; i < clusters; ++i) {
      aks::ControlPlaneSpec s = world.spec("bench" + std::to_string(i), {world.key(version)});
      s.kubernetes_version = "1.30.4";
      std::promise<aks::ControlPlaneState> done;
      auto future = done.get_future();
      const auto start = std::chrono::steady_clock::now();
      world.supervisor().apply(s, [&](const aks::ControlPlaneState& st) { done.set_value(st); });
      if (future.wait_for(std::chrono::seconds(60)) != std::future_status::ready) return 1;
      const auto st = future.get();
      const double ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count();
      if (st.phase != aks::ControlPlaneState::Phase::kRunning) {
        std::fprintf(stderr, "cluster %d failed: %s\n", i, st.message.c_str());
        return 1;
      }
      long kib = 0;
      for (pid_t p : world.supervisor().pids(s.cluster_id)) kib += rss_kib(p);
      std::printf("{\"cluster\":%d,\"apply_to_running_ms\":%.1f,\"rss_kib\":%ld}\n", i, ms, kib);
      times.push_back(ms);
      rss.push_back(kib);
    }
  }
  std::filesystem::remove_all(dir);
  std::sort(times.begin(), times.end());
  long total = 0;
  for (long r : rss) total += r;
  std::printf(
      "summary: %d clusters, apply->kRunning median %.1f ms (min %.1f, max %.1f), "
      "resident memory per cluster %.1f MiB (plugin + apiserver)\n",
      clusters, times[times.size() / 2], times.front(), times.back(), total / 1024.0 / clusters);
  return 0;
}
