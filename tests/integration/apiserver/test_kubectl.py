"""kubectl 1.32 (the one on this machine) against kmslab-apiserver: issue #11 items 5, 6, 8."""
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import Apiserver

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from kmslab_harness import wait_for  # noqa: E402


def test_help_lists_kube_apiserver_flags(apiserver_binary):
    out = subprocess.run([apiserver_binary, "--help"], capture_output=True, text=True, check=True)
    for flag in ("--secure-port", "--bind-address", "--etcd-prefix", "--etcd-servers",
                 "--encryption-provider-config", "--kubernetes-version", "--data-dir",
                 "--feature-gates", "--default-watch-cache-size"):
        assert flag in out.stdout


def test_refuses_to_start_with_unusable_encryption_config(apiserver_binary, tmp_path):
    bad = tmp_path / "enc.yaml"
    bad.write_text("")
    out = subprocess.run([apiserver_binary, "--data-dir", str(tmp_path / "d"), "--secure-port", "0",
                          "--encryption-provider-config", str(bad)],
                         capture_output=True, text=True, timeout=20)
    assert out.returncode == 1
    assert "--encryption-provider-config" in out.stderr
    assert not (tmp_path / "d" / "kubeconfig").exists()


def test_kubeconfig_and_token_are_owner_only(apiserver):
    for f in (apiserver.kubeconfig, apiserver.data_dir / "token"):
        assert stat.S_IMODE(os.stat(f).st_mode) == 0o600


def test_version_reports_flag(apiserver_binary, tmp_path, kubectl_available):
    server = Apiserver(apiserver_binary, tmp_path / "d", ["--kubernetes-version", "1.29.4"]).start()
    try:
        out = server.kubectl("version", "-o", "json")
        assert json.loads(out.stdout)["serverVersion"]["gitVersion"] == "v1.29.4"
    finally:
        assert server.stop() == 0


def test_create_get_list_delete_secret(apiserver):
    assert "secret/s1 created" in apiserver.kubectl("create", "secret", "generic", "s1",
                                                    "--from-literal=password=hunter2").stdout
    secret = apiserver.kubectl_json("get", "secret", "s1")
    assert secret["data"] == {"password": "aHVudGVyMg=="}
    assert secret["type"] == "Opaque"
    assert "password: aHVudGVyMg==" in apiserver.kubectl("get", "secret", "s1", "-o", "yaml").stdout
    apiserver.kubectl("create", "namespace", "team-a")
    apiserver.kubectl("create", "secret", "generic", "s2", "-n", "team-a", "--from-literal=a=b")
    table = apiserver.kubectl("get", "secrets", "-A").stdout.splitlines()
    assert table[0].split() == ["NAMESPACE", "NAME", "TYPE", "DATA", "AGE"]
    rows = sorted(line.split()[:4] for line in table[1:])
    assert rows == [["default", "s1", "Opaque", "1"], ["team-a", "s2", "Opaque", "1"]]
    assert apiserver.kubectl("delete", "secret", "s1").stdout.strip() == 'secret "s1" deleted'
    gone = apiserver.kubectl("get", "secret", "s1", check=False)
    assert gone.returncode != 0
    assert 'Error from server (NotFound): secrets "s1" not found' in gone.stderr


def test_configmap_and_selectors(apiserver):
    apiserver.kubectl("create", "configmap", "c1", "--from-literal=k=v")
    apiserver.kubectl("label", "configmap", "c1", "app=web")
    labelled = apiserver.kubectl_json("get", "configmaps", "-l", "app=web")
    assert [i["metadata"]["name"] for i in labelled["items"]] == ["c1"]
    assert apiserver.kubectl_json("get", "configmaps", "-l", "app!=web")["items"] == []
    listed = apiserver.kubectl_json("get", "configmaps", "--field-selector", "metadata.name=c1")
    assert [i["metadata"]["name"] for i in listed["items"]] == ["c1"]
    none = apiserver.kubectl_json("get", "configmaps", "--field-selector", "metadata.name=zz")
    assert none["items"] == []


def test_real_errors_reach_kubectl(apiserver):
    bad = apiserver.kubectl("create", "secret", "generic", "Bad_Name", "--from-literal=a=b", check=False)
    assert bad.returncode != 0
    assert 'Secret "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name"' in bad.stderr
    apiserver.kubectl("create", "secret", "generic", "dup", "--from-literal=a=b")
    dup = apiserver.kubectl("create", "secret", "generic", "dup", "--from-literal=a=b", check=False)
    assert 'secrets "dup" already exists' in dup.stderr
    nons = apiserver.kubectl("create", "secret", "generic", "x", "-n", "nope", "--from-literal=a=b",
                             check=False)
    assert 'namespaces "nope" not found' in nons.stderr


def test_replace_with_stale_resource_version_is_conflict(apiserver):
    apiserver.kubectl("create", "secret", "generic", "s1", "--from-literal=a=b")
    obj = apiserver.kubectl_json("get", "secret", "s1")
    same = apiserver.kubectl("replace", "-f", "-", input=json.dumps(obj))
    assert 'secret/s1 replaced' in same.stdout
    assert apiserver.kubectl_json("get", "secret", "s1")["metadata"]["resourceVersion"] == \
        obj["metadata"]["resourceVersion"]  # no-op update (kms.md §2.4)
    obj["data"]["a"] = "Yw=="
    apiserver.kubectl("replace", "-f", "-", input=json.dumps(obj))
    stale = apiserver.kubectl("replace", "-f", "-", input=json.dumps(obj), check=False)
    assert stale.returncode != 0
    assert "the object has been modified; please apply your changes to the latest version" in stale.stderr


def test_restart_keeps_objects_and_token(apiserver):
    apiserver.kubectl("create", "secret", "generic", "keep", "--from-literal=a=b")
    token = (apiserver.data_dir / "token").read_text()
    assert apiserver.stop() == 0
    apiserver.start()
    assert (apiserver.data_dir / "token").read_text() == token
    assert apiserver.kubectl_json("get", "secret", "keep")["data"] == {"a": "Yg=="}


def test_kill_9_keeps_every_acknowledged_secret(apiserver):
    for i in range(20):
        apiserver.kubectl("create", "secret", "generic", f"s{i}", "--from-literal=a=b")
    apiserver.kill()
    apiserver.start()
    names = {i["metadata"]["name"] for i in apiserver.kubectl_json("get", "secrets")["items"]}
    assert names == {f"s{i}" for i in range(20)}


def test_read_only_pods_from_flag(apiserver_binary, tmp_path, kubectl_available):
    server = Apiserver(apiserver_binary, tmp_path / "d",
                       ["--pod", "kube-system/konnectivity-agent-5d8f9"]).start()
    try:
        pods = server.kubectl_json("get", "pods", "-n", "kube-system")
        assert [p["metadata"]["name"] for p in pods["items"]] == ["konnectivity-agent-5d8f9"]
        assert server.kubectl_json("get", "pods", "-n", "default")["items"] == []
    finally:
        assert server.stop() == 0


def test_logs_do_not_carry_secret_values(apiserver):
    apiserver.kubectl("create", "secret", "generic", "s1", "--from-literal=a=sup3r-s3cret-value")
    apiserver.kubectl("get", "secret", "s1", "-o", "json")
    log = (apiserver.data_dir / "apiserver.log").read_text()
    assert "sup3r-s3cret-value" not in log
    assert "c3VwM3ItczNjcmV0LXZhbHVl" not in log
    token = (apiserver.data_dir / "token").read_text().strip()
    assert token not in log
    assert all(json.loads(line) for line in log.splitlines())  # JSON logs


def test_patch_merge_strategic_and_json(apiserver):
    apiserver.kubectl("create", "secret", "generic", "s1", "--from-literal=a=b")
    apiserver.kubectl("annotate", "secret", "s1", "note=x")  # strategic merge patch
    apiserver.kubectl("patch", "secret", "s1", "--type=merge", "-p", '{"data":{"z":"eg=="}}')
    apiserver.kubectl("patch", "secret", "s1", "--type=json", "-p", '[{"op":"remove","path":"/data/a"}]')
    secret = apiserver.kubectl_json("get", "secret", "s1")
    assert secret["data"] == {"z": "eg=="}
    assert secret["metadata"]["annotations"] == {"note": "x"}
    bad = apiserver.kubectl("patch", "secret", "s1", "-p", '{"data":{"b":"!!"}}', check=False)
    assert "illegal base64 data at input byte 0" in bad.stderr
    # A JSON patch that does not apply: patch.go's generic 422 (its cause dropped), as kubectl words it.
    missing = apiserver.kubectl("patch", "secret", "s1", "--type=json", "-p",
                                '[{"op":"remove","path":"/data/nope"}]', check=False)
    assert missing.returncode == 1
    assert missing.stderr == ("The request is invalid: the server rejected our request due to an error "
                              "in our request\n")


def test_seed_replace_pipeline_verbatim(apiserver):
    """The seed's storage migration command, through a shell, as users type it (kms.md §6.1)."""
    apiserver.kubectl("create", "namespace", "team-a")
    for ns, name in (("default", "s1"), ("default", "s2"), ("team-a", "s3")):
        apiserver.kubectl("create", "secret", "generic", name, "-n", ns, "--from-literal=a=b")
    before = {(i["metadata"]["namespace"], i["metadata"]["name"]): i["metadata"]["resourceVersion"]
              for i in apiserver.kubectl_json("get", "secrets", "-A")["items"]}
    env = dict(os.environ, KUBECONFIG=str(apiserver.kubeconfig), HOME=str(apiserver.data_dir / "home"))
    out = subprocess.run("kubectl get secrets --all-namespaces -o json | kubectl replace -f -",
                         shell=True, capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    assert sorted(out.stdout.split()) == sorted(["secret/s1", "replaced", "secret/s2", "replaced",
                                                 "secret/s3", "replaced"])
    after = {(i["metadata"]["namespace"], i["metadata"]["name"]): i["metadata"]["resourceVersion"]
             for i in apiserver.kubectl_json("get", "secrets", "-A")["items"]}
    assert after == before  # identity storage: nothing stale, every update a no-op (§2.4)


def test_client_side_validation_fails_as_against_kube_apiserver(apiserver):
    apiserver.kubectl("create", "secret", "generic", "s1", "--from-literal=a=b")
    obj = apiserver.kubectl_json("get", "secret", "s1", "--show-managed-fields")
    obj["bogus"] = 1
    out = apiserver.kubectl("replace", "-f", "-", input=json.dumps(obj), check=False)
    assert out.returncode != 0
    assert 'unknown field "bogus" in io.k8s.api.core.v1.Secret' in out.stderr
    obj.pop("bogus")
    obj["metadata"]["managedFields"][0]["bogus"] = 1
    out = apiserver.kubectl("replace", "-f", "-", input=json.dumps(obj), check=False)
    assert 'unknown field "bogus" in io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry' in out.stderr


def test_health_endpoints_verbose(apiserver):
    out = apiserver.kubectl("get", "--raw", "/readyz?verbose").stdout
    assert out.splitlines() == ["[+]ping ok", "[+]log ok", "[+]etcd ok", "readyz check passed"]
    assert apiserver.kubectl("get", "--raw", "/livez").stdout == "ok"
    assert apiserver.kubectl("get", "--raw", "/healthz/etcd").stdout == "ok"


def test_raw_route_shows_stored_bytes(apiserver):
    apiserver.kubectl("create", "secret", "generic", "s1", "--from-literal=a=b")
    # identity: the plaintext kube-apiserver stores, "k8s\0" + runtime.Unknown{typeMeta{v1, Secret}}
    stored = apiserver.raw_value("/registry/secrets/default/s1")
    assert stored.startswith(b"k8s\x00\n\x0c\n\x02v1\x12\x06Secret\x12")
    assert b"\n\x02s1\x12\x00\x1a\x07default" in stored and stored.endswith(b"\x1a\x00\x22\x00")


AESGCM = {"aesgcm": {"keys": [{"name": "key1", "secret": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="}]}}
AESCBC = {"aescbc": {"keys": [{"name": "key2", "secret": "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI="}]}}


def encryption_config(path, providers):
    path.write_text(json.dumps({"apiVersion": "apiserver.config.k8s.io/v1",
                                "kind": "EncryptionConfiguration",
                                "resources": [{"resources": ["secrets"], "providers": providers}]}))


def test_replace_pipeline_rewrites_exactly_the_stale_objects(apiserver_binary, tmp_path, kubectl_available):
    """Encrypt under aesgcm, make aescbc the write provider, run the seed's pipeline: every secret
    is rewritten under aescbc (new resourceVersion); a second run changes nothing (kms.md §6.1)."""
    config = tmp_path / "enc.json"
    encryption_config(config, [AESGCM, {"identity": {}}])
    server = Apiserver(apiserver_binary, tmp_path / "d", ["--encryption-provider-config", str(config)]).start()
    try:
        for name in ("s1", "s2"):
            server.kubectl("create", "secret", "generic", name, "--from-literal=a=b")
        def raw(name):
            return server.raw_value(f"/registry/secrets/default/{name}")

        assert raw("s1").startswith(b"k8s:enc:aesgcm:v1:key1:")
        assert server.stop() == 0
        encryption_config(config, [AESCBC, AESGCM, {"identity": {}}])
        server.start()
        before = {i["metadata"]["name"]: i["metadata"]["resourceVersion"]
                  for i in server.kubectl_json("get", "secrets")["items"]}
        env = dict(os.environ, KUBECONFIG=str(server.kubeconfig), HOME=str(server.data_dir / "home"))
        pipeline = "kubectl get secrets --all-namespaces -o json | kubectl replace -f -"
        assert subprocess.run(pipeline, shell=True, env=env, capture_output=True, timeout=60).returncode == 0
        after = {i["metadata"]["name"]: i["metadata"]["resourceVersion"]
                 for i in server.kubectl_json("get", "secrets")["items"]}
        assert all(after[n] != before[n] for n in before)
        assert raw("s1").startswith(b"k8s:enc:aescbc:v1:key2:")
        assert raw("s2").startswith(b"k8s:enc:aescbc:v1:key2:")
        assert subprocess.run(pipeline, shell=True, env=env, capture_output=True, timeout=60).returncode == 0
        again = {i["metadata"]["name"]: i["metadata"]["resourceVersion"]
                 for i in server.kubectl_json("get", "secrets")["items"]}
        assert again == after
        assert server.kubectl_json("get", "secret", "s1")["data"] == {"a": "Yg=="}
    finally:
        if server.proc.poll() is None:
            assert server.stop() == 0


# --- What differs by release (kms.md §1.3, §4.2; seed V1): one short run per minor the AKS
# control plane reports. The kubectl on this machine is the Cloud SDK's dispatcher: it runs the
# kubectl.1.N that matches the server's minor (1.27-1.33 are installed), so a 1.27 server gets
# kubectl 1.27; for 1.26 it falls back to its default, 1.32, and warns about the version skew.

def mock_kms_plugin_binary(apiserver_binary):
    """kmslab-mock-kms-plugin from the same build tree as the apiserver under test."""
    build = Path(apiserver_binary).resolve().parents[2]
    return os.environ.get("KMSLAB_MOCK_KMS_PLUGIN",
                          str(build / "tests" / "support" / "mock_kms_plugin" / "kmslab-mock-kms-plugin"))


def start_mock_plugin(apiserver_binary, sock, status_version):
    proc = subprocess.Popen([mock_kms_plugin_binary(apiserver_binary), "--listen-addr", f"unix://{sock}",
                             "--status-version", status_version],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_for(lambda: sock.exists() or proc.poll() is not None, "the mock plugin's socket")
    assert proc.poll() is None, proc.stderr.read()
    return proc


def kms_config(path, api_version, sock):
    provider = {"apiVersion": api_version, "name": "mock", "endpoint": f"unix://{sock}", "timeout": "3s"}
    encryption_config(path, [{"kms": provider}, {"identity": {}}])


def protobuf_fields(data):
    """Top-level fields of a protobuf message: {number: [value, ...]} (varints and bytes)."""
    fields, i = {}, 0

    def varint():
        nonlocal i
        shift = value = 0
        while True:
            b = data[i]
            i += 1
            value |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return value

    while i < len(data):
        key = varint()
        number, wire = key >> 3, key & 7
        if wire == 0:
            value = varint()
        elif wire == 2:
            n = varint()
            value, i = data[i:i + n], i + n
        else:
            raise AssertionError(f"unexpected wire type {wire}")
        fields.setdefault(number, []).append(value)
    return fields


KMS_RELEASES = [
    # (server version, EncryptionConfiguration apiVersion, the plugin's Status.version)
    # Every minor AKS offers here (emulator/aks/names.cpp), and 1.32 beyond them.
    ("1.26", "v1", "v2beta1"),
    ("1.27", "v2", "v2beta1"),
    ("1.28", "v2", "v2beta1"),
    ("1.29", "v2", "v2"),
    ("1.30", "v2", "v2"),
    ("1.31", "v2", "v2"),
    ("1.32", "v2", "v2"),
]


def check_kms_envelope(server, version, api, stored):
    """One release's KMS envelope through kubectl: the kubectl picked for the server's minor,
    a secret written and read back, its stored bytes (`stored(key)`) in that release's layout."""
    minor = int(version.split(".")[1])
    out = server.kubectl("version", "-o", "json")
    versions = json.loads(out.stdout)
    assert versions["serverVersion"]["minor"] == str(minor)
    # The default binary reports "32+" (a vendor build), the versioned ones the bare minor.
    assert versions["clientVersion"]["minor"].rstrip("+") == str(minor if minor >= 27 else 32)
    skew = "exceeds the supported minor version skew of +/-1"
    assert (skew in out.stderr) == (minor < 27), out.stderr
    server.kubectl("create", "secret", "generic", "s1", "--from-literal=a=b")
    assert server.kubectl_json("get", "secret", "s1")["data"] == {"a": "Yg=="}
    raw = stored("secrets/default/s1")
    prefix = f"k8s:enc:kms:{api}:mock:".encode()
    assert raw.startswith(prefix), raw[:40]
    if api == "v2":
        obj = protobuf_fields(raw[len(prefix):])
        dek_source_type = obj.get(5, [0])[0]
        encrypted = obj[1][0]
        if minor >= 29:
            # HKDF seed: info[32] || nonce[12] || ciphertext || tag[16]
            assert dek_source_type == 1
        else:
            # AES_GCM_KEY (1.27-1.28): nonce = 4 random bytes || little-endian counter that
            # starts at 1_000_000_000, so the first write uses 1_000_000_001.
            assert dek_source_type == 0
            assert int.from_bytes(encrypted[4:12], "little") == 1_000_000_001


@pytest.mark.parametrize("version,api,status_version", KMS_RELEASES)
def test_kms_envelope_per_release(apiserver_binary, tmp_path, kubectl_available, version, api,
                                  status_version):
    sock = tmp_path / "kms.sock"
    plugin = start_mock_plugin(apiserver_binary, sock, status_version)
    config = tmp_path / "enc.json"
    kms_config(config, api, sock)
    server = Apiserver(apiserver_binary, tmp_path / "d",
                       ["--kubernetes-version", version, "--encryption-provider-config", str(config)])
    try:
        server.start()
        check_kms_envelope(server, version, api, lambda key: server.raw_value("/registry/" + key))
    finally:
        if server.proc and server.proc.poll() is None:
            assert server.stop() == 0
        plugin.terminate()
        plugin.wait(timeout=20)


def test_release_gates_on_kms_versions(apiserver_binary, tmp_path):
    """1.26 has no KMS v2 (alpha, off); 1.29+ refuses KMS v1 unless --feature-gates=KMSv1=true."""
    sock = tmp_path / "kms.sock"
    plugin = start_mock_plugin(apiserver_binary, sock, "v2")

    def run(version, api, *extra):
        config = tmp_path / f"enc-{version}-{api}.json"
        kms_config(config, api, sock)
        data = tmp_path / f"d-{version}-{api}-{len(extra)}"
        return subprocess.run([apiserver_binary, "--data-dir", str(data), "--secure-port", "0",
                               "--kubernetes-version", version, "--encryption-provider-config",
                               str(config), *extra], capture_output=True, text=True, timeout=20)

    try:
        out = run("1.26", "v2")
        assert out.returncode == 1 and "KMSv2 feature is not enabled" in out.stderr
        out = run("1.29", "v1")
        assert out.returncode == 1
        assert "Set --feature-gates=KMSv1=true to use the deprecated KMSv1 feature." in out.stderr
        out = run("1.29", "v1", "--feature-gates", "NoSuchGate=true")
        assert out.returncode == 2 and "unrecognized feature gate: NoSuchGate" in out.stderr
        server = Apiserver(apiserver_binary, tmp_path / "gated",
                           ["--kubernetes-version", "1.29", "--feature-gates", "KMSv1=true",
                            "--encryption-provider-config", str(tmp_path / "enc-1.29-v1.json")])
        server.proc = None
        server.start()
        assert server.stop() == 0
    finally:
        plugin.terminate()
        plugin.wait(timeout=20)


@pytest.mark.parametrize("version", ["1.27", "1.29"])
def test_seed_pipeline_with_each_kubectl(apiserver_binary, tmp_path, kubectl_available, version):
    """The dispatcher runs kubectl 1.27 / 1.29 against those servers: the seed's pipeline (List
    validation against the protobuf /openapi/v2, then PUTs) works with each."""
    server = Apiserver(apiserver_binary, tmp_path / "d", ["--kubernetes-version", version]).start()
    try:
        client = json.loads(server.kubectl("version", "-o", "json").stdout)["clientVersion"]
        assert client["minor"] == version.split(".")[1]
        for name in ("s1", "s2"):
            server.kubectl("create", "secret", "generic", name, "--from-literal=a=b")
        env = dict(os.environ, KUBECONFIG=str(server.kubeconfig), HOME=str(server.data_dir / "home"))
        out = subprocess.run("kubectl get secrets --all-namespaces -o json | kubectl replace -f -",
                             shell=True, capture_output=True, text=True, env=env, timeout=60)
        assert out.returncode == 0, out.stderr
        assert sorted(out.stdout.split()) == sorted(["secret/s1", "replaced", "secret/s2", "replaced"])
    finally:
        assert server.stop() == 0
