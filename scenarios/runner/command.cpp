#include "scenarios/runner/command.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "emulator/core/process.hpp"

namespace kmslab::scenario {

namespace {

constexpr size_t kMaxOutput = 16 * 1024 * 1024;

std::string path_of(const std::vector<std::string>& env) {
  for (const auto& e : env)
    if (e.rfind("PATH=", 0) == 0) return e.substr(5);
  return "/usr/local/bin:/usr/bin:/bin";
}

[[noreturn]] void exec_child(const std::string& program, const std::vector<std::string>& argv,
                             const std::vector<std::string>& env, int in, int out, int err,
                             const std::filesystem::path& cwd) {
  setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  dup2(in, 0);
  dup2(out, 1);
  dup2(err, 2);
  for (int fd = 3; fd < 1024; ++fd) close(fd);
  if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(126);
  std::vector<char*> args, envp;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  execve(program.c_str(), args.data(), envp.data());
  const std::string why = "exec " + program + ": " + std::strerror(errno) + "\n";
  (void)!write(2, why.data(), why.size());
  _exit(127);
}

// Feeds stdin and drains both outputs until they close or the time is up.
bool pump(int in, int out, int err, const std::string& data, CommandResult& r,
          std::chrono::steady_clock::time_point deadline) {
  size_t written = 0;
  if (data.empty()) {
    close(in);
    in = -1;
  }
  const auto close_open = [&] {
    for (int* fd : {&in, &out, &err})
      if (*fd >= 0) close(std::exchange(*fd, -1));
    return false;
  };
  while (out >= 0 || err >= 0) {
    pollfd fds[3];
    int n = 0;
    for (int fd : {out, err, in})
      if (fd >= 0) fds[n++] = {fd, static_cast<short>(fd == in ? POLLOUT : POLLIN), 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return close_open();
    if (poll(fds, n, static_cast<int>(std::min<int64_t>(left.count(), 1000))) < 0 && errno != EINTR)
      return close_open();
    for (int i = 0; i < n; ++i) {
      if (!fds[i].revents) continue;
      if (fds[i].fd == in) {
        const ssize_t w = write(in, data.data() + written, data.size() - written);
        if (w > 0) written += static_cast<size_t>(w);
        if (w < 0 || written == data.size()) {
          close(in);
          in = -1;
        }
        continue;
      }
      char buf[65536];
      const ssize_t got = read(fds[i].fd, buf, sizeof buf);
      std::string& sink = fds[i].fd == out ? r.out : r.err;
      if (got > 0) {
        if (sink.size() < kMaxOutput) sink.append(buf, static_cast<size_t>(got));
        continue;
      }
      close(fds[i].fd);
      (fds[i].fd == out ? out : err) = -1;
    }
  }
  if (in >= 0) close(in);
  return true;
}

}  // namespace

CommandResult run_command(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                          const std::string& stdin_data, std::chrono::milliseconds timeout,
                          const std::filesystem::path& cwd) {
  CommandResult r;
  if (argv.empty()) return {-1, "", "no command given", false};
  std::string program = argv[0];
  if (program.find('/') == std::string::npos) {
    const auto found = core::find_program({}, program, path_of(env));
    if (!found) return {-1, "", program + ": not found on PATH " + path_of(env), false};
    program = found->string();
  }
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
    return {-1, "", std::string("pipe: ") + std::strerror(errno), false};
  signal(SIGPIPE, SIG_IGN);
  const pid_t pid = fork();
  if (pid < 0) return {-1, "", std::string("fork: ") + std::strerror(errno), false};
  if (pid == 0) exec_child(program, argv, env, in[0], out[1], err[1], cwd);
  close(in[0]);
  close(out[1]);
  close(err[1]);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  if (!pump(in[1], out[0], err[0], stdin_data, r, deadline)) {
    r.timed_out = true;
    kill(-pid, SIGKILL);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (r.timed_out) {
    r.exit_code = 128 + SIGKILL;
    r.err += "\n(kmslab-run: killed after " + std::to_string(timeout.count()) + " ms)";
  } else {
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  kill(-pid, SIGKILL);  // anything it left in its group
  return r;
}

}  // namespace kmslab::scenario
