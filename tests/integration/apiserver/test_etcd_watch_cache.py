"""The watch cache on real etcd 3.4 with kube-apiserver's --watch-cache-sizes: a resource's own
window (secrets#2) beside the default (--default-watch-cache-size) for the others; a watch from
a resourceVersion older than the window gets the real 410 Expired "too old resource version"
while etcd itself still holds that revision; the flags' kube-apiserver validation messages."""
import json
import os
import subprocess

import pytest

from conftest import Apiserver
from etcd_cluster import module_etcd  # noqa: F401 (a fixture)


def watch_once(server, path, rv):
    """The first event of a watch from `rv` (kubectl get --raw ends at the ERROR event)."""
    out = subprocess.run(
        ["kubectl", "get", "--raw", f"{path}?watch=true&resourceVersion={rv}&timeoutSeconds=1"],
        capture_output=True, text=True, timeout=60,
        env=dict(os.environ, KUBECONFIG=str(server.kubeconfig), HOME=str(server.data_dir / "home")))
    decoder = json.JSONDecoder()
    text, i, events = out.stdout, 0, []
    while i < len(text):
        while i < len(text) and text[i].isspace():
            i += 1
        if i < len(text):
            obj, i = decoder.raw_decode(text, i)
            events.append(obj)
    return events


def test_a_resource_version_older_than_the_secrets_window_is_410(apiserver_binary, tmp_path, module_etcd,
                                                                 kubectl_available):
    server = Apiserver(apiserver_binary, tmp_path / "d", [
        "--etcd-servers", module_etcd.url(0), "--etcd-prefix", "/wc", "--watch-cache-sizes", "secrets#2",
        "--default-watch-cache-size", "50"]).start()
    try:
        listed = server.kubectl("get", "--raw", "/api/v1/namespaces/default/secrets").stdout
        first = int(json.loads(listed)["metadata"]["resourceVersion"])
        rvs = []
        for i in range(3):
            server.kubectl("create", "secret", "generic", f"s{i}", "--from-literal=a=b")
            rvs.append(int(server.kubectl_json("get", "secret", f"s{i}")["metadata"]["resourceVersion"]))
        for i in range(3):
            server.kubectl("create", "configmap", f"c{i}", "--from-literal=a=b")
        # etcd still has every revision: the 410 is the watch cache's window, not compaction.
        assert module_etcd.etcdctl("get", "/wc/secrets/default/s0", "--rev", str(rvs[0])).returncode == 0
        gone = watch_once(server, "/api/v1/namespaces/default/secrets", first)
        assert [e["type"] for e in gone] == ["ERROR"]
        status = gone[0]["object"]
        assert (status["kind"], status["code"], status["reason"]) == ("Status", 410, "Expired")
        assert status["message"] == f"too old resource version: {first} ({rvs[0]})"
        # The window's edge: from s0's revision the two kept events replay.
        kept = watch_once(server, "/api/v1/namespaces/default/secrets", rvs[0])
        assert [(e["type"], e["object"]["metadata"]["name"]) for e in kept] == [
            ("ADDED", "s1"), ("ADDED", "s2")]
        # Configmaps keep the default window: all three replay from the same revision.
        cms = watch_once(server, "/api/v1/namespaces/default/configmaps", first)
        assert [e["object"]["metadata"]["name"] for e in cms] == ["c0", "c1", "c2"]
    finally:
        server.kill()


def test_help_lists_the_watch_cache_flags(apiserver_binary):
    out = subprocess.run([apiserver_binary, "--help"], capture_output=True, text=True, check=True)
    for flag in ("--watch-cache ", "--default-watch-cache-size", "--watch-cache-sizes"):
        assert flag in out.stdout


@pytest.mark.parametrize("flags,message", [
    (["--watch-cache-sizes", "secrets"], "invalid value of watch cache size: secrets"),
    (["--watch-cache-sizes", "secrets#x"], "invalid size of watch cache size: secrets#x"),
    (["--watch-cache-sizes", "secrets#-1"], "watch cache size cannot be negative: secrets#-1"),
    (["--watch-cache-sizes", "secrets#0"], "serving watches without the watch cache is not modelled"),
    (["--default-watch-cache-size", "ten"],
     'invalid argument "ten" for "--default-watch-cache-size" flag'),
])
def test_watch_cache_flag_errors(apiserver_binary, tmp_path, flags, message):
    out = subprocess.run([apiserver_binary, "--data-dir", str(tmp_path), "--secure-port", "0",
                          *flags], capture_output=True, text=True, timeout=20)
    assert out.returncode == 2
    assert message in out.stderr, out.stderr
