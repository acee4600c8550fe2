"""kubectl 1.32 (the one on this machine) against kmslab-apiserver: issue #11 items 5, 6, 8."""
import json
import os
import stat
import subprocess

from conftest import Apiserver


def test_help_lists_kube_apiserver_flags(apiserver_binary):
    out = subprocess.run([apiserver_binary, "--help"], capture_output=True, text=True, check=True)
    for flag in ("--secure-port", "--bind-address", "--etcd-prefix", "--etcd-servers",
                 "--encryption-provider-config", "--kubernetes-version", "--data-dir"):
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
