"""Rotations on real etcd 3.4 as an operator runs them (kms.md §6.1, seed P6), each finished by
the seed's `kubectl get secrets -A -o json | kubectl replace -f -` and checked with
`etcdctl get --prefix /registry/secrets`:
- a provider rotation: secrets written under provider A; the EncryptionConfiguration rewritten
  with B first and A second (--encryption-provider-config-automatic-reload); every value ends
  under B's prefix; then A leaves the file and every secret still reads;
- a key rotation inside the plugin: its key_id changes, the apiserver's Status poll sees it, the
  old secrets are stale, and the pipeline rewrites exactly them under the new key_id.
The apiserver's own manual clock moves the reload and Status polls without real waiting."""
import base64
import json
import os
import subprocess

import pytest

from conftest import Apiserver
from etcd_cluster import module_etcd  # noqa: F401 (a fixture)
from test_etcd import MockPlugin
from test_kubectl import protobuf_fields
from test_virtual_clock import own_clock

RELOADS = "apiserver_encryption_config_controller_automatic_reloads_total"


def write_config(path, plugins):
    providers = [{"kms": {"apiVersion": "v2", "name": name, "endpoint": f"unix://{p.sock}",
                          "timeout": "3s"}} for name, p in plugins]
    path.write_text(json.dumps({"apiVersion": "apiserver.config.k8s.io/v1",
                                "kind": "EncryptionConfiguration",
                                "resources": [{"resources": ["secrets"],
                                               "providers": providers + [{"identity": {}}]}]}))


def successful_reloads(server):
    metrics = server.kubectl("get", "--raw", "/metrics").stdout
    return sum(float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines()
               if line.startswith(RELOADS + "{") and 'status="success"' in line)


def reload_config(server, path, plugins):
    """Rewrites the file and moves the clock past the poll; the reload must have succeeded."""
    before = successful_reloads(server)
    write_config(path, plugins)
    assert own_clock(server, "POST", {"advance": "61s"})[0] == 200
    assert successful_reloads(server) == before + 1


def replace_every_secret(server):
    """The seed's migration pipeline, verbatim, with the kubectl on the machine."""
    env = dict(os.environ, KUBECONFIG=str(server.kubeconfig), HOME=str(server.data_dir / "home"))
    pipeline = "kubectl get secrets --all-namespaces -o json | kubectl replace -f -"
    out = subprocess.run(pipeline, shell=True, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr


def stored_secrets(cluster, prefix="/registry/secrets"):
    """{key: value} of every secret, from `etcdctl get --prefix /registry/secrets` (its JSON
    output: the values are binary and may hold newlines)."""
    out = json.loads(cluster.etcdctl("get", "--prefix", prefix, "-w", "json").stdout)
    return {base64.b64decode(kv["key"]).decode(): base64.b64decode(kv["value"])
            for kv in out.get("kvs", [])}


# KMS v2's releases on AKS: the beta (1.27-1.28: Status version v2beta1, the counter nonce) and
# GA with the HKDF seed (1.29+); each with the kubectl the dispatcher picks for that minor, in its
# own etcd prefix. (A 1.27 server refuses a plugin that answers v2: its reload would fail.)
@pytest.mark.parametrize("version,status_version",
                         [("1.27", "v2beta1"), ("1.29", "v2"), ("1.31", "v2")])
def test_rotation_and_replace_move_every_secret_to_the_new_provider(
        apiserver_binary, mock_plugin_binary, tmp_path, module_etcd, kubectl_available, version,
        status_version):
    old = MockPlugin(mock_plugin_binary, "key-a", status_version)
    new = MockPlugin(mock_plugin_binary, "key-b", status_version)
    config = tmp_path / "enc.json"
    write_config(config, [("kms-a", old)])
    root = "/rotation-" + version.replace(".", "-")
    server = Apiserver(apiserver_binary, tmp_path / "data", [
        "--etcd-servers", module_etcd.url(0), "--etcd-prefix", root, "--kubernetes-version",
        version, "--clock", "manual", "--encryption-provider-config", str(config),
        "--encryption-provider-config-automatic-reload"]).start()

    def stored():
        return stored_secrets(module_etcd, root + "/secrets")

    try:
        server.kubectl("create", "namespace", "team")
        names = [("default", f"s{i}") for i in range(4)] + [("team", "t0"), ("team", "t1")]
        for ns, name in names:
            server.kubectl("create", "secret", "generic", name, "-n", ns, f"--from-literal=v={name}")
        assert all(v.startswith(b"k8s:enc:kms:v2:kms-a:") for v in stored().values())

        reload_config(server, config, [("kms-b", new), ("kms-a", old)])
        # Written before the rotation, still under A until rewritten; read through A.
        assert module_etcd.get(root + "/secrets/default/s0").startswith(b"k8s:enc:kms:v2:kms-a:")
        replace_every_secret(server)
        values = stored()
        assert {f"{root}/secrets/{ns}/{n}" for ns, n in names} <= set(values)
        not_moved = [k for k, v in values.items() if not v.startswith(b"k8s:enc:kms:v2:kms-b:")]
        assert not_moved == []

        # A leaves the file (and stops): every secret reads through B alone.
        reload_config(server, config, [("kms-b", new)])
        old.stop()
        for ns, name in names:
            data = server.kubectl_json("get", "secret", name, "-n", ns)["data"]
            assert data == {"v": base64.b64encode(name.encode()).decode()}
        listed = server.kubectl_json("get", "secrets", "-A")["items"]
        assert len(listed) == len(names)
    finally:
        server.kill()
        old.stop()
        new.stop()


def key_ids(stored, name="mock"):
    """The EncryptedObject keyID (field 2) of every stored value, by key."""
    prefix = f"k8s:enc:kms:v2:{name}:".encode()
    assert all(v.startswith(prefix) for v in stored.values())
    return {k: protobuf_fields(v[len(prefix):])[2][0].decode() for k, v in stored.items()}


def resource_versions(server):
    return {(i["metadata"]["namespace"], i["metadata"]["name"]): i["metadata"]["resourceVersion"]
            for i in server.kubectl_json("get", "secrets", "-A")["items"]}


def test_key_id_rotation_makes_secrets_stale_and_replace_rewrites_them(
        apiserver_binary, mock_plugin_binary, tmp_path, module_etcd, kubectl_available):
    plugin = MockPlugin(mock_plugin_binary, "key-1")
    config = tmp_path / "enc.json"
    write_config(config, [("mock", plugin)])
    server = Apiserver(apiserver_binary, tmp_path / "data", [
        "--etcd-servers", module_etcd.url(0), "--etcd-prefix", "/keyrot", "--clock", "manual",
        "--encryption-provider-config", str(config)]).start()

    def stored():
        return stored_secrets(module_etcd, "/keyrot/secrets")

    try:
        for i in range(4):
            server.kubectl("create", "secret", "generic", f"s{i}", f"--from-literal=v={i}")
        assert set(key_ids(stored()).values()) == {"key-1"}
        plugin.set_key_id("key-2")
        assert own_clock(server, "POST", {"advance": "61s"})[0] == 200  # one Status poll
        server.kubectl("create", "secret", "generic", "fresh", "--from-literal=v=new")
        ids = key_ids(stored())
        assert ids.pop("/keyrot/secrets/default/fresh") == "key-2"
        assert set(ids.values()) == {"key-1"}  # written before: stale, not yet rewritten

        before = resource_versions(server)
        replace_every_secret(server)
        after = resource_versions(server)
        # Exactly the stale objects were written again; the fresh one was a skipped no-op.
        changed = {name for key, name in before if before[(key, name)] != after[(key, name)]}
        assert changed == {f"s{i}" for i in range(4)}
        assert set(key_ids(stored()).values()) == {"key-2"}
        assert server.kubectl_json("get", "secret", "s3")["data"] == {"v": "Mw=="}
    finally:
        server.kill()
        plugin.stop()
