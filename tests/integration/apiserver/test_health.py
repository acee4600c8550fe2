"""kmslab-apiserver's health endpoints and /metrics through the binary, with the Base64 mock KMS
plugin (tests/support/mock_kms_plugin) made unhealthy through its --control-file (kms.md §5.4,
§4.6): /readyz and /healthz carry the KMS check and fail with kube-apiserver's lines, /livez
does not carry it."""
import json
import signal
import ssl
import subprocess
import urllib.error
import urllib.request

import pytest

from conftest import Apiserver
from kmslab_harness import wait_for


class MockPlugin:
    def __init__(self, binary, directory, failed=False):
        self.socket = directory / "kms.sock"
        self.control = directory / "kms.control"
        self.control.write_text(f"failed={'true' if failed else 'false'}\n")
        self.proc = subprocess.Popen(
            [binary, "--listen-addr", f"unix://{self.socket}", "--status-version", "v2",
             "--control-file", str(self.control)], stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout.readline().strip() == "ready"

    def set_failed(self, failed):
        self.control_line(f"failed={'true' if failed else 'false'}")

    def hold_decrypts(self, held):
        """While held, every Decrypt waits (a slow Key Vault without a sleep)."""
        self.control_line(f"hold_decrypts={'true' if held else 'false'}")

    def control_line(self, line):
        self.control.write_text(line + "\n")
        self.proc.send_signal(signal.SIGHUP)
        assert self.proc.stdout.readline().strip() == "control applied"

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)


def kms_v2_config(path, socket):
    path.write_text(json.dumps({
        "apiVersion": "apiserver.config.k8s.io/v1", "kind": "EncryptionConfiguration",
        "resources": [{"resources": ["secrets"], "providers": [
            {"kms": {"apiVersion": "v2", "name": "p1", "endpoint": f"unix://{socket}"}},
            {"identity": {}}]}]}))


def get(server, path, token=True):
    """(status, body) of an HTTPS GET with the kubeconfig's CA and, unless told not to, token."""
    config = json.loads(server.kubeconfig.read_text())
    cluster = config["clusters"][0]["cluster"]
    headers = {"Authorization": "Bearer " + config["users"][0]["user"]["token"]} if token else {}
    context = ssl.create_default_context(cafile=cluster["certificate-authority"])
    request = urllib.request.Request(cluster["server"] + path, headers=headers)
    try:
        with urllib.request.urlopen(request, context=context, timeout=10) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


@pytest.fixture
def kms_world(apiserver_binary, mock_plugin_binary, tmp_path):
    """A mock plugin that starts unhealthy, and an apiserver whose secrets go through it."""
    plugin = MockPlugin(mock_plugin_binary, tmp_path, failed=True)
    config = tmp_path / "enc.json"
    kms_v2_config(config, plugin.socket)
    server = Apiserver(apiserver_binary, tmp_path / "data",
                       ["--encryption-provider-config", str(config)])
    try:
        yield server.start(), plugin
    finally:
        if server.proc and server.proc.poll() is None:
            server.stop()
        plugin.stop()


def test_readyz_and_healthz_show_the_failing_kms_check_then_recover(kms_world):
    server, plugin = kms_world
    for endpoint in ("readyz", "healthz"):
        status, body = get(server, f"/{endpoint}?verbose")
        assert status == 500, body
        assert "[-]kms-providers failed: reason withheld\n" in body
        assert body.endswith(f"{endpoint} check failed\n")
        status, body = get(server, f"/{endpoint}/kms-providers")
        assert status == 500
        assert body.startswith("internal server error: kms-provider-0: "), body
        assert "failed precondition - key disabled" in body
    status, body = get(server, "/readyz")
    assert status == 500
    # /livez never carries the KMS checks (addHealthChecksWithoutLivez).
    status, body = get(server, "/livez?verbose")
    assert status == 200 and "kms" not in body and body.endswith("livez check passed\n"), body

    plugin.set_failed(False)
    # An unhealthy answer is remembered 3 s (kms.md §4.4): poll until the check passes.
    wait_for(lambda: get(server, "/readyz")[0] == 200, "readyz to recover", timeout=30)
    status, body = get(server, "/readyz?verbose")
    assert status == 200 and "[+]kms-providers ok\n" in body and body.endswith("readyz check passed\n")
    status, body = get(server, "/healthz/kms-providers")
    assert (status, body) == (200, "ok")


def test_metrics_carry_storage_and_envelope_series(kms_world):
    server, plugin = kms_world
    plugin.set_failed(False)
    wait_for(lambda: get(server, "/readyz")[0] == 200, "readyz", timeout=30)
    for name in ("s1", "s2"):
        server.kubectl("create", "secret", "generic", name, "--from-literal=a=b")
    server.kubectl("get", "secrets")
    assert get(server, "/metrics", token=False)[0] == 401
    status, text = get(server, "/metrics")
    assert status == 200
    assert "# TYPE apiserver_storage_objects gauge\n" in text
    assert 'apiserver_storage_objects{resource="namespaces"} 4\n' in text  # counted at start
    assert 'apiserver_storage_list_total{resource="secrets"}' in text
    assert ('apiserver_storage_transformation_operations_total{resource="secrets",'
            'transformation_type="to_storage",transformer_prefix="k8s:enc:kms:v2:p1:",status="OK"} 2\n') in text
    assert 'apiserver_storage_transformation_duration_seconds_count{transformation_type="to_storage",' \
           'transformer_prefix="k8s:enc:kms:v2:p1:"} 2\n' in text
    assert "apiserver_envelope_encryption_kms_operations_latency_seconds_bucket" in text


def test_kms_v1_checks_are_named_per_provider(apiserver_binary, mock_plugin_binary, tmp_path):
    """KMS v1 without automatic reload: one kms-provider-<i> check per provider (kms.md §5.4),
    failing by the Encrypt/Decrypt ping; v1 behaves as 1.28 (refused from 1.29 without the gate)."""
    plugin = MockPlugin(mock_plugin_binary, tmp_path, failed=True)
    config = tmp_path / "enc.json"
    config.write_text(json.dumps({
        "apiVersion": "apiserver.config.k8s.io/v1", "kind": "EncryptionConfiguration",
        "resources": [{"resources": ["secrets"], "providers": [
            {"kms": {"name": "v1p", "endpoint": f"unix://{plugin.socket}"}}, {"identity": {}}]}]}))
    server = Apiserver(apiserver_binary, tmp_path / "data",
                       ["--encryption-provider-config", str(config), "--kubernetes-version", "1.28"])
    try:
        server.start()
        status, body = get(server, "/readyz?verbose")
        assert status == 500 and "[-]kms-provider-0 failed: reason withheld\n" in body, body
        assert "kms-providers" not in body
        plugin.set_failed(False)
        wait_for(lambda: get(server, "/healthz/kms-provider-0") == (200, "ok"), "kms-provider-0", timeout=30)
    finally:
        if server.proc and server.proc.poll() is None:
            server.stop()
        plugin.stop()


def test_kms_calls_log_the_plugins_errors_for_the_admin_only(kms_world):
    """GET /_kmslab/kms-calls (the AKS detector's evidence): each plugin call with its gRPC code
    and the plugin's own message; `since` returns only newer calls; admin token only."""
    server, plugin = kms_world
    get(server, "/healthz/kms-providers")  # a Status call that fails
    status, body = get(server, "/_kmslab/kms-calls")
    assert status == 200, body
    calls = json.loads(body)["calls"]
    failed = [c for c in calls if c["code"] == "FailedPrecondition"]
    assert failed, calls
    assert failed[-1]["provider"] == "p1"
    assert failed[-1]["method"].startswith("/v2.KeyManagementService/")
    assert failed[-1]["error"] == "failed precondition - key disabled"
    assert failed[-1]["time"].endswith("Z") and failed[-1]["seconds"] >= 0
    last = calls[-1]["seq"]
    plugin.set_failed(False)
    wait_for(lambda: get(server, "/healthz/kms-providers") == (200, "ok"), "kms-providers",
             timeout=30)
    newer = json.loads(get(server, f"/_kmslab/kms-calls?since={last}")[1])["calls"]
    assert newer and all(c["seq"] > last for c in newer)
    assert newer[-1]["code"] == "OK" and newer[-1]["error"] == ""
    assert get(server, "/_kmslab/kms-calls?since=x")[0] == 400
    assert get(server, "/_kmslab/kms-calls", token=False)[0] == 401
