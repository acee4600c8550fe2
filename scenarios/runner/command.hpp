#pragma once
// A `run` step's command: its own process group, stdin fed, stdout and stderr captured apart,
// killed (with everything it started) when its time is up.
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace kmslab::scenario {

struct CommandResult {
  int exit_code = 0;  // the exit status; 128+N for a signal; -1 when it could not start
  std::string out, err;
  bool timed_out = false;
};

/// `argv[0]` is looked up on the PATH of `env` unless it holds a '/'. Output beyond 16 MiB per
/// stream is dropped.
CommandResult run_command(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                          const std::string& stdin_data, std::chrono::milliseconds timeout,
                          const std::filesystem::path& cwd);

}  // namespace kmslab::scenario
