"""Time across processes (emulator/core/clock_protocol.md, issue #11 item 3): kmslab-apiserver
following the emulator's manual clock, driving the mock KMS plugin. An advance on the emulator
steps the apiserver's KMS v2 Status polls one by one, so the 3-minute write refusal (kms.md 4.4)
shows after "advance 4m" with no real waiting; and the apiserver's own manual clock, alone."""
import json
import select
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import Apiserver

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from kmslab_harness import Emulator, binary_option  # noqa: E402

START = "2027-01-01T00:00:00Z"
TOKEN = "clock-test-admin-token"
EXPIRED = ('encryptedDEKSource with keyID hash "sha256:6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d'
           '49c01e52ddb7875b4b" expired at 2027-01-01T00:03:00Z (current time is 2027-01-01T00:04:00Z)')


@pytest.fixture(scope="session")
def emulator_binary(request):
    return binary_option(request, "--emulator")


class MockPlugin:
    """kmslab-mock-kms-plugin on a Unix socket; fail()/heal() rewrite its control file."""

    def __init__(self, binary, folder):
        self.socket = folder / "kms.sock"
        self.control = folder / "kms.control"
        self.control.write_text("failed=false\n")
        self.proc = subprocess.Popen(
            [binary, "--listen-addr", f"unix://{self.socket}", "--key-id", "1",
             "--status-version", "v2", "--control-file", str(self.control)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self._expect("ready")

    def _expect(self, line, timeout=20.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], deadline - time.monotonic())
            if ready:
                got = self.proc.stdout.readline()
                if not got:
                    raise AssertionError(f"mock plugin exited: {self.proc.stderr.read()}")
                if got.strip() == line:
                    return
        raise AssertionError(f"mock plugin did not print {line!r}")

    def set_failed(self, failed):
        self.control.write_text(f"failed={'true' if failed else 'false'}\n")
        self.proc.send_signal(signal.SIGHUP)
        self._expect("control applied")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=20)


def encryption_config(folder, plugin):
    path = folder / "enc.yaml"
    path.write_text(
        "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n"
        "- resources: [secrets]\n  providers:\n"
        f"  - kms: {{apiVersion: v2, name: mock, endpoint: 'unix://{plugin.socket}', timeout: 3s}}\n"
        "  - identity: {}\n")
    return path


def kubeconfig(api):
    """(server URL, CA path, bearer token) from the kubeconfig the apiserver wrote."""
    k = json.loads(api.kubeconfig.read_text())
    cluster = k["clusters"][0]["cluster"]
    return cluster["server"], cluster["certificate-authority"], k["users"][0]["user"]["token"]


def own_clock(api, method="GET", body=None, token=True):
    server, ca, bearer = kubeconfig(api)
    return call(server + "/_kmslab/clock", ca, method, body, bearer if token else None)


def call(url, ca, method="GET", body=None, token=None):
    """(status, parsed JSON body) of one HTTPS request."""
    ctx = ssl.create_default_context(cafile=str(ca))
    req = urllib.request.Request(url, method=method,
                                 data=None if body is None else json.dumps(body).encode())
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=60) as res:
            return res.status, json.loads(res.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


@pytest.fixture
def world(tmp_path, emulator_binary, mock_plugin_binary, apiserver_binary, kubectl_available):
    started = []
    emulator = Emulator(emulator_binary, tmp_path / "emu",
                        ["--clock", "manual", "--clock-start", START, "--admin-token", TOKEN,
                         "--clock-step-timeout", "20s"]).start()
    started.append(emulator.stop)
    plugin = MockPlugin(mock_plugin_binary, tmp_path)
    started.append(plugin.stop)
    token_file = tmp_path / "admin-token"
    token_file.write_text(TOKEN + "\n")
    api = Apiserver(apiserver_binary, tmp_path / "api",
                    ["--encryption-provider-config", str(encryption_config(tmp_path, plugin)),
                     "--virtual-clock-url", emulator.url, "--virtual-clock-ca-file", emulator.ca,
                     "--virtual-clock-token-file", str(token_file)]).start()
    started.append(lambda: api.proc.poll() is None and api.stop())
    yield emulator, plugin, api
    for stop in reversed(started):
        stop()


def advance(emulator, by):
    status, body = call(emulator.url + "/_kmslab/clock", emulator.ca, "POST", {"advance": by},
                        TOKEN)
    assert status == 200, body
    return body


def test_a_four_minute_advance_shows_the_write_refusal_without_real_waiting(world):
    emulator, plugin, api = world
    status, subs = call(emulator.url + "/_kmslab/clock/subscribers", emulator.ca)
    assert status == 200
    [sub] = subs["subscribers"]
    assert sub["name"] == f"kmslab-apiserver {api.data_dir.resolve()}"
    assert sub["next_due"] == "2027-01-01T00:01:00Z"  # the first 60 s Status poll
    assert "secret" not in sub
    api.kubectl("create", "secret", "generic", "s1", "--from-literal=k=v1")

    plugin.set_failed(True)
    began = time.monotonic()
    moved = advance(emulator, "4m")
    assert time.monotonic() - began < 30  # four virtual minutes, no real ones
    assert moved["now"] == "2027-01-01T00:04:00Z"
    [stepped] = moved["stepped"]["subscribers"]
    assert stepped["outcome"] == "ok", moved
    # The first step, then 1:00 and the 10 s polls 1:10 .. 4:00 one by one (the final step is 4:00).
    assert stepped["steps"] == 1 + 1 + 18
    refused = api.kubectl("create", "secret", "generic", "s2", "--from-literal=k=v2", check=False)
    assert refused.returncode != 0
    assert EXPIRED in refused.stderr, refused.stderr
    assert api.kubectl_json("get", "secret", "s1")["data"] == {"k": "djE="}  # the cached seed
    ready = api.kubectl("get", "--raw", "/readyz?verbose", check=False)
    assert "[-]kms-providers failed" in ready.stdout + ready.stderr

    plugin.set_failed(False)
    moved = advance(emulator, "10s")
    assert moved["stepped"]["subscribers"][0]["outcome"] == "ok"
    api.kubectl("create", "secret", "generic", "s3", "--from-literal=k=v3")
    own = json.loads(api.kubectl("get", "--raw", "/_kmslab/clock").stdout)
    assert own["now"] == "2027-01-01T00:04:10Z"
    assert own["follows"] == emulator.url
    status, body = own_clock(api, "POST", {"advance": "1h"})
    assert status == 409 and "follows the virtual clock at" in body["message"], body
    assert api.stop() == 0  # unregisters on the way out
    assert call(emulator.url + "/_kmslab/clock/subscribers", emulator.ca)[1]["subscribers"] == []


def test_a_crashed_subscriber_is_dropped_and_a_restarted_one_registers_again(world):
    emulator, _, api = world
    api.kill()
    began = time.monotonic()
    moved = advance(emulator, "1m")
    assert time.monotonic() - began < 15
    assert moved["stepped"]["subscribers"][0]["outcome"] == "dropped", moved
    assert call(emulator.url + "/_kmslab/clock/subscribers", emulator.ca)[1]["subscribers"] == []
    api.start()
    [sub] = call(emulator.url + "/_kmslab/clock/subscribers", emulator.ca)[1]["subscribers"]
    assert sub["next_due"] == "2027-01-01T00:02:00Z"  # started at 1:00 on the emulator's time
    moved = advance(emulator, "1m")
    assert moved["stepped"]["subscribers"][0]["outcome"] == "ok"
    # The emulator keeps the list across its own restart (a new port; the follower stays).
    emulator.stop()
    emulator.start()
    [kept] = call(emulator.url + "/_kmslab/clock/subscribers", emulator.ca)[1]["subscribers"]
    assert kept["name"] == sub["name"]
    moved = advance(emulator, "30s")
    assert moved["stepped"]["subscribers"][0]["outcome"] == "ok", moved
    assert own_clock(api)[1]["now"] == moved["now"]
    # It stops gracefully, but unregisters at the emulator's old port: the next advance, refused,
    # drops it.
    assert api.stop() == 0
    assert advance(emulator, "1s")["stepped"]["subscribers"][0]["outcome"] == "dropped"
    assert call(emulator.url + "/_kmslab/clock/subscribers", emulator.ca)[1]["subscribers"] == []


def test_own_manual_clock_without_an_emulator(tmp_path, mock_plugin_binary, apiserver_binary,
                                              kubectl_available):
    plugin = MockPlugin(mock_plugin_binary, tmp_path)
    api = Apiserver(apiserver_binary, tmp_path / "api",
                    ["--clock", "manual",
                     "--encryption-provider-config", str(encryption_config(tmp_path, plugin))])
    try:
        api.start()
        status, before = own_clock(api, token=False)
        assert status == 401  # behind the kubeconfig's token, reads too
        status, before = own_clock(api)
        assert status == 200 and before["mode"] == "manual"
        api.kubectl("create", "secret", "generic", "s1", "--from-literal=k=v1")
        plugin.set_failed(True)
        status, after = own_clock(api, "POST", {"advance": "4m"})
        assert status == 200 and after["unix"] - before["unix"] == 240
        refused = api.kubectl("create", "secret", "generic", "s2", "--from-literal=k=v2",
                              check=False)
        assert "encryptedDEKSource with keyID hash" in refused.stderr, refused.stderr
        assert "expired at" in refused.stderr
        assert api.kubectl_json("get", "secret", "s1")["data"] == {"k": "djE="}
        plugin.set_failed(False)
        assert own_clock(api, "POST", {"advance": "10s"})[0] == 200
        api.kubectl("create", "secret", "generic", "s3", "--from-literal=k=v3")
    finally:
        if api.proc and api.proc.poll() is None:
            assert api.stop() == 0
        plugin.stop()


def test_clock_flags_are_checked(apiserver_binary, tmp_path):
    for args, message in [
        (["--clock", "sundial"], "--clock must be system or manual"),
        (["--clock", "manual", "--virtual-clock-url", "https://127.0.0.1:1"],
         "--clock and --virtual-clock-url exclude each other"),
        (["--virtual-clock-ca-file", "/x"], "need --virtual-clock-url"),
        (["--virtual-clock-url", "127.0.0.1:1"], "expected https://HOST:PORT"),
    ]:
        out = subprocess.run([apiserver_binary, "--data-dir", str(tmp_path), "--secure-port", "0",
                              *args], capture_output=True, text=True, timeout=20)
        assert out.returncode == 2 and message in out.stderr, (args, out.stderr)
    # An emulator that is not there: a clear error at start, no kubeconfig.
    out = subprocess.run([apiserver_binary, "--data-dir", str(tmp_path / "d"), "--secure-port", "0",
                          "--virtual-clock-url", "https://127.0.0.1:1"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 1 and "/_kmslab/clock" in out.stderr, out.stderr
    assert not (tmp_path / "d" / "kubeconfig").exists()
