"""kill -9 of the etcd leader while kubectl writes (issue #11: etcd failure). A 3-member etcd 3.4,
the apiserver given every member with the leader first (the member it uses), secrets under KMS
v2 (the mock plugin). No acknowledged write is lost and each still decrypts; a write in flight
at the kill may fail, as a 500 whose outcome is unknown (etcd clientv3 does not retry a write
that may have been applied, nor does kube-apiserver); once the survivors have elected a leader,
every write succeeds again."""
import base64
import threading

import pytest

from conftest import Apiserver
from etcd_cluster import started_etcd
from test_etcd import ENCRYPTION_CONFIG, mock_plugin  # noqa: F401 (a fixture)
from kmslab_harness import wait_for


@pytest.fixture
def etcd3():
    yield from started_etcd(3)


class Writer(threading.Thread):
    """Creates secrets w0000, w0001, ... one after another until stopped (bounded)."""

    def __init__(self, server):
        super().__init__(daemon=True)
        self.server, self.stop, self.lock = server, threading.Event(), threading.Lock()
        self.acked, self.failed = [], []  # names, (name, stderr)

    def run(self):
        for i in range(2000):
            if self.stop.is_set():
                return
            name = f"w{i:04d}"
            out = self.server.kubectl("create", "secret", "generic", name, f"--from-literal=n={i}",
                                      check=False)
            with self.lock:
                if out.returncode == 0:
                    self.acked.append(name)
                else:
                    self.failed.append((name, out.stderr))

    def counts(self):
        with self.lock:
            return len(self.acked), len(self.failed)


def test_killing_the_leader_during_writes_loses_no_acknowledged_write(
        apiserver_binary, tmp_path, etcd3, mock_plugin, kubectl_available):
    leader = etcd3.leader()
    order = [leader] + [i for i in range(3) if i != leader]
    urls = ",".join(etcd3.url(i) for i in order)
    config = tmp_path / "enc.yaml"
    config.write_text(ENCRYPTION_CONFIG.format(socket=mock_plugin))
    server = Apiserver(apiserver_binary, tmp_path / "data", [
        "--etcd-servers", urls, "--encryption-provider-config", str(config)]).start()
    writer = Writer(server)
    try:
        writer.start()
        wait_for(lambda: writer.counts()[0] >= 10, "10 writes before the kill", timeout=60)
        etcd3.kill(leader)
        at_kill = writer.counts()
        # The survivors elect a leader and writes go through again: 10 more acknowledged.
        wait_for(lambda: writer.counts()[0] >= at_kill[0] + 10, "10 writes after the kill",
                 timeout=60)
        writer.stop.set()
        writer.join(timeout=60)
        assert not writer.is_alive()

        new_leader = etcd3.leader()
        assert new_leader != leader and new_leader in etcd3.alive()
        # Only writes around the kill failed, each a 500 (the server's InternalError).
        for name, stderr in writer.failed:
            assert "(InternalError)" in stderr or "Internal error" in stderr, stderr
        assert len(writer.failed) <= 3, writer.failed
        listed = {s["metadata"]["name"]: s["data"]["n"]
                  for s in server.kubectl_json("get", "secrets")["items"]}
        for name in writer.acked:  # decrypted by the LIST, with the value written
            assert base64.b64decode(listed[name]).decode() == str(int(name[1:]))
            value = etcd3.get(f"/registry/secrets/default/{name}")
            assert value.startswith(b"k8s:enc:kms:v2:mock:") and name.encode() not in value
        assert "[+]etcd ok" in server.kubectl("get", "--raw", "/readyz?verbose").stdout
    finally:
        writer.stop.set()
        writer.join(timeout=60)
        server.kill()
