"""Starting and talking to kmslab-emulator processes in tests."""
import json
import os
import signal
import subprocess
import time
from pathlib import Path


def wait_for(predicate, what, timeout=20.0):
    """Polls `predicate` until it returns a truthy value, or fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def binary_option(request, option):
    """The absolute path a pytest option names; a missing one fails the test (never a skip)."""
    path = request.config.getoption(option)
    if not path:
        raise AssertionError(f"{option} is required (the ctest entry passes it)")
    return str(Path(path).resolve())


class Emulator:
    """One kmslab-emulator process with its own data directory."""

    def __init__(self, binary, data_dir, extra_args=()):
        self.binary = binary
        self.data_dir = Path(data_dir)
        self.extra_args = list(extra_args)
        self.proc = None
        self.endpoints = None

    def start(self):
        endpoints_file = self.data_dir / "endpoints.json"
        if endpoints_file.exists():
            endpoints_file.unlink()
        args = [self.binary, "--data-dir", str(self.data_dir), "--port", "0",
                "--log-file", str(self.data_dir / "emulator.log"), *self.extra_args]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

        def ready():
            if self.proc.poll() is not None:
                raise AssertionError(f"emulator exited {self.proc.returncode}: {self.proc.stderr.read()}")
            try:
                return json.loads(endpoints_file.read_text())
            except (FileNotFoundError, json.JSONDecodeError):
                return None

        self.endpoints = wait_for(ready, "endpoints.json")
        return self

    @property
    def url(self):
        return self.endpoints.get("https") or self.endpoints["http"]

    @property
    def proxy(self):
        return self.endpoints["proxy"]

    @property
    def ca(self):
        return self.endpoints["ca"]

    def port(self, which="main"):
        url = self.url if which == "main" else self.proxy
        return int(url.rsplit(":", 1)[1])

    def curl(self, path, *args, url=None):
        """Runs curl against the emulator; returns (status, headers, body)."""
        cmd = ["curl", "-sS", "--max-time", "20", "--cacert", self.ca, "-D", "-",
               *args, (url or self.url) + path]
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode != 0:
            return None, {}, out.stderr
        head, _, body = out.stdout.replace("\r\n", "\n").partition("\n\n")
        # Skip interim responses (100 Continue, the proxy's 200 Connection Established).
        while body.startswith("HTTP/"):
            head, _, body = body.partition("\n\n")
        lines = head.split("\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        return status, headers, body

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=20)
        return self.proc.returncode


def children_of(pid):
    """The ids of the processes whose parent is `pid` (from /proc)."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat").read()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry))
    return out


def zombie(pid):
    """True when `pid` has exited (gone, or a zombie not yet reaped)."""
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True
