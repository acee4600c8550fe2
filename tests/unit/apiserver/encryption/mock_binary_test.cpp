// kmslab-mock-kms-plugin as a process: it serves both APIs and applies its control file on SIGHUP.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <thread>
#include <vector>

#include "emulator/apiserver/encryption/kms_grpc.hpp"
#include "emulator/core/clock.hpp"
#include "tests/support/temp_dir.hpp"

extern char** environ;

namespace kmslab::apiserver::encryption {
namespace {

using namespace std::chrono_literals;

TEST(MockPluginBinary, ServesAndReloadsItsControlFileOnSighup) {
  kmslab::testing::TempDir dir;
  const std::string control = dir.file("control"), sock = dir.file("kms.sock");
  std::ofstream(control) << "key_id=1\n";
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&fa, out[0]);
  const std::string bin = KMSLAB_MOCK_KMS_PLUGIN_BIN, endpoint = "unix://" + sock;
  std::vector<std::string> args = {bin,     "--listen-addr",    endpoint, "--control-file",
                                   control, "--status-version", "v2"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, bin.c_str(), &fa, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&fa);
  close(out[1]);
  std::string line;
  char c = 0;
  while (line.size() < 64 && read(out[0], &c, 1) == 1 && c != '\n') line += c;
  close(out[0]);
  ASSERT_EQ(line, "ready");

  auto v2 = make_grpc_kms_v2(endpoint, "p", 2s);
  V2Status s = v2->status();
  EXPECT_EQ(s.version, "v2");
  EXPECT_EQ(s.key_id, "1");
  EXPECT_EQ(v2->decrypt("uid", {v2->encrypt("uid", "seed").ciphertext, "1", {}}), "seed");
  std::vector<KmsCall> calls;
  EXPECT_EQ(
      make_grpc_kms_v1(endpoint, "p1", 2s, [&](const KmsCall& call) { calls.push_back(call); })
          ->encrypt("dek"),
      "ZGVr");
  // Every call is reported, the lazy Version check first, with its provider and outcome.
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].method, "/v1beta1.KeyManagementService/Version");
  EXPECT_EQ(calls[1].method, "/v1beta1.KeyManagementService/Encrypt");
  EXPECT_EQ(calls[1].provider, "p1");
  EXPECT_EQ(calls[1].code, "OK");
  EXPECT_GE(calls[1].seconds, 0.0);

  std::ofstream(control) << "key_id=7\nfailed=true\n";
  ASSERT_EQ(kill(pid, SIGHUP), 0);
  std::string seen;
  const auto deadline = core::wall_clock_now() + 10s;
  while (core::wall_clock_now() < deadline) {
    try {
      seen = v2->status().key_id;
    } catch (const RpcError& e) {
      seen = e.code();
      break;
    }
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(seen, "FailedPrecondition");

  ASSERT_EQ(kill(pid, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

}  // namespace
}  // namespace kmslab::apiserver::encryption
