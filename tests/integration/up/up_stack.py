"""`tools/kmslab up` run as a user runs it (without its build step): a process group started in
its own session, its output in files, stopped with SIGTERM (the command's own trap stops the
emulator and, with it, the cluster's processes), SIGKILL of the group as the last resort."""
import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
KMSLAB = REPO / "tools" / "kmslab"
TOOLS = ("az", "kubectl", "etcd", "etcdctl")


def require_tools():
    missing = [t for t in TOOLS if not shutil.which(t)]
    if missing:  # tools/setup.sh installs them all: under CI=true this skip is a failure
        pytest.skip(f"not installed: {', '.join(missing)} (tools/setup.sh installs them)")


def build_dir(request):
    value = request.config.getoption("--build-dir")
    if not value:
        raise AssertionError("--build-dir is required (the ctest entry passes it)")
    return Path(value).resolve()


def user_env(home):
    """A user's environment: Debian's python3 and tools first, no proxy or Azure state inherited."""
    env = {k: v for k, v in os.environ.items()
           if k.lower() not in ("https_proxy", "no_proxy", "http_proxy")
           and not k.startswith(("AZURE_", "KUBECONFIG", "REQUESTS_CA", "SSL_CERT"))}
    env["PATH"] = "/usr/bin:/bin:/usr/local/bin:" + env.get("PATH", "")
    env["HOME"] = str(home)
    return env


class Up:
    def __init__(self, build, data_dir, *args):
        self.build = build
        self.data_dir = Path(data_dir)
        self.args = list(args)
        self.proc = None
        self.out = self.data_dir.parent / f"{self.data_dir.name}-up.out"
        self.err = self.data_dir.parent / f"{self.data_dir.name}-up.err"
        self.started = None

    def command(self):
        return [str(KMSLAB), "up", "--no-build", "--build-dir", str(self.build), "--data-dir",
                str(self.data_dir), "--port", "0", *self.args]

    def start(self):
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        self.started = time.monotonic()
        self.started_at = time.time()
        with open(self.out, "wb") as out, open(self.err, "wb") as err:
            self.proc = subprocess.Popen(self.command(), cwd=REPO, stdout=out, stderr=err,
                                         env=user_env(self.data_dir.parent),
                                         start_new_session=True)
        return self

    def wait_for(self, predicate, what, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return time.monotonic() - self.started
            if self.proc.poll() is not None:
                raise AssertionError(f"tools/kmslab up exited ({self.proc.returncode}) before "
                                     f"{what}:\n{self.output()}\n{self.errors()[-3000:]}")
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}:\n{self.output()}")

    def wait_ready(self):
        """Seconds from start to DIR/demo/ready.json (the demo's last step)."""
        marker = self.data_dir / "demo" / "ready.json"
        # This run's marker, not one a killed run left (a stopped `up` removes its own).
        return self.wait_for(lambda: marker.exists() and marker.stat().st_mtime >= self.started_at,
                             "the demo's ready.json")

    def ready(self):
        return json.loads((self.data_dir / "demo" / "ready.json").read_text())

    def endpoints(self):
        return json.loads((self.data_dir / "endpoints.json").read_text())

    def output(self):
        return self.out.read_text(errors="replace") if self.out.exists() else ""

    def errors(self):
        return self.err.read_text(errors="replace") if self.err.exists() else ""

    def stop(self):
        if not self.proc or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        os.kill(self.proc.pid, signal.SIGTERM)
        try:
            return self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
            raise AssertionError("tools/kmslab up did not stop on SIGTERM within 30 s")

    def kill_group(self):
        """Teardown's safety net: nothing of this stack outlives the test."""
        if self.proc:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=10)


def run_lines(lines, cwd, env, timeout=240):
    """Runs shell lines in one bash (so an eval'd environment carries on), each preceded by a
    marker; returns {index: (stdout bytes of that line)} and fails on the first failing line."""
    script = ["set -euo pipefail"]
    for i, line in enumerate(lines):
        script.append(f"echo '@@line {i}@@'")
        script.append(line)
    out = subprocess.run(["bash", "-c", "\n".join(script)], cwd=cwd, env=env,
                         capture_output=True, timeout=timeout)
    assert out.returncode == 0, (f"a line failed ({out.returncode}):\n"
                                 f"{out.stdout.decode(errors='replace')[-3000:]}\n"
                                 f"{out.stderr.decode(errors='replace')[-3000:]}")
    parts = re.split(rb"@@line (\d+)@@\n", out.stdout)
    return {int(parts[i]): parts[i + 1] for i in range(1, len(parts) - 1, 2)}
