"""kmslab-apiserver as a real process on port 0 with a temp data dir, spoken to by kubectl."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from kmslab_harness import wait_for  # noqa: E402

pytest_plugins = ["ci_skips"]  # under CI=true a skip is a failure (../ci_skips.py)


def pytest_addoption(parser):
    parser.addoption("--apiserver", required=True, help="path to the kmslab-apiserver binary")
    parser.addoption("--mock-plugin", default=None, help="path to kmslab-mock-kms-plugin")


class Apiserver:
    def __init__(self, binary, data_dir, extra_args=()):
        self.binary = binary
        self.data_dir = Path(data_dir)
        self.extra_args = list(extra_args)
        self.proc = None

    @property
    def kubeconfig(self):
        return self.data_dir / "kubeconfig"

    def start(self):
        if self.kubeconfig.exists():
            self.kubeconfig.unlink()
        self.proc = subprocess.Popen(
            [self.binary, "--data-dir", str(self.data_dir), "--secure-port", "0",
             "--log-file", str(self.data_dir / "apiserver.log"), *self.extra_args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

        def ready():
            if self.proc.poll() is not None:
                raise AssertionError(f"apiserver exited {self.proc.returncode}: {self.proc.stderr.read()}")
            return self.kubeconfig.exists()

        wait_for(ready, "kubeconfig")
        return self

    def stop(self):
        self.proc.terminate()
        return self.proc.wait(timeout=20)

    def kill(self):
        self.proc.kill()
        self.proc.wait(timeout=20)

    def kubectl(self, *args, input=None, check=True):
        env = dict(os.environ, KUBECONFIG=str(self.kubeconfig), HOME=str(self.data_dir / "home"))
        out = subprocess.run(["kubectl", *args], input=input, capture_output=True, text=True,
                             env=env, timeout=60)
        if check and out.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed: {out.stderr}")
        return out

    def raw_value(self, key):
        """The stored bytes of `key` (the read-only /_kmslab/raw route), as bytes."""
        env = dict(os.environ, KUBECONFIG=str(self.kubeconfig), HOME=str(self.data_dir / "home"))
        out = subprocess.run(["kubectl", "get", "--raw", f"/_kmslab/raw?key={key}"],
                             capture_output=True, env=env, timeout=60, check=True)
        return out.stdout

    def kubectl_json(self, *args):
        return json.loads(self.kubectl(*args, "-o", "json").stdout)


@pytest.fixture(scope="session")
def apiserver_binary(request):
    return os.path.abspath(request.config.getoption("--apiserver"))


@pytest.fixture(scope="session")
def mock_plugin_binary(request):
    path = request.config.getoption("--mock-plugin")
    if not path:
        pytest.fail("--mock-plugin is required for the KMS tests")
    return os.path.abspath(path)


@pytest.fixture(scope="session")
def kubectl_available():
    if shutil.which("kubectl") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("kubectl is required under CI=true")
        pytest.skip("kubectl is not on PATH")


@pytest.fixture
def apiserver(apiserver_binary, tmp_path, kubectl_available):
    server = Apiserver(apiserver_binary, tmp_path / "data")
    server.start()
    yield server
    assert server.stop() == 0
