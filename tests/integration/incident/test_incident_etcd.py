"""Issue #13 item 5 for clusters on their own etcd (--aks-cluster-store=etcd): `tools/kmslab up`'s
demo cluster (KMS v2, three secrets, a Debian etcd member) is exported with and without key
material and replayed. The replayed cluster's new etcd holds every stored object under its key,
byte for byte, before its apiserver serves; with key material the secrets read back through
kubectl, without it they do not decrypt (KeyMaterialWithheld) and replay says so at start. A
bundle with a malformed object, or replayed on the other store, is refused and changes nothing.
The bundle also carries the request log (found through endpoints.json) and the detector's answer,
whose verdict replay prints."""
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from up_stack import Up, build_dir, require_tools, user_env

REPO = Path(__file__).resolve().parents[3]
INCIDENT = ["/usr/bin/python3", str(REPO / "tools" / "kmslab_incident.py")]
SECRET_KEY = "/registry/secrets/default/db-password"
PREFIX = "k8s:enc:kms:v2:azurekmsprovider:"


@pytest.fixture(scope="module")
def origin(request, tmp_path_factory):
    require_tools()
    up = Up(build_dir(request), tmp_path_factory.mktemp("origin") / "data").start()
    try:
        up.wait_ready()
        up.emulator = build_dir(request) / "emulator" / "kmslab-emulator"
        yield up
    finally:
        up.kill_group()
        shutil.rmtree(up.data_dir, ignore_errors=True)  # etcd preallocates 64 MB of WAL


@pytest.fixture(scope="module")
def bundles(origin, tmp_path_factory):
    out = tmp_path_factory.mktemp("bundles")
    made = {}
    for name, extra in (("plain", []), ("material.tar.gz", ["--include-key-material"])):
        done = subprocess.run([*INCIDENT, "export", "kmslab-demo/demo", "--data-dir",
                               str(origin.data_dir), "--out", str(out / name), *extra],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        made[name] = out / name
    return made


def etcdctl_get(endpoint, key):
    env = {**user_env(Path("/tmp")), "ETCDCTL_API": "3"}
    got = subprocess.run(["etcdctl", "--endpoints", endpoint, "get", key, "--print-value-only"],
                         capture_output=True, env=env, timeout=30)
    assert got.returncode == 0, got.stderr
    return got.stdout[:-1]  # etcdctl ends the value with a newline


def objects_of(bundle):
    return {o["key"]: o for o in json.loads((bundle / "stored-objects.json").read_text())["objects"]}


class Replay:
    """tools/kmslab incident replay in the background; everything it started stops in stop()."""

    def __init__(self, emulator, bundle, data_dir, *extra):
        self.data_dir = data_dir
        self.proc = subprocess.Popen(
            [*INCIDENT, "replay", str(bundle), "--data-dir", str(data_dir), "--emulator",
             str(emulator), "--", "--port", "0", "--log-file",
             str(data_dir.parent / (data_dir.name + ".log")), *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)

    def cluster_dir(self, timeout=90):
        """The replayed cluster's directory, once its apiserver listens (a kubeconfig)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"replay exited {self.proc.returncode}: "
                                     f"{self.proc.stderr.read()}")
            found = list((self.data_dir / "clusters").glob("demo-*/apiserver/kubeconfig")) \
                if (self.data_dir / "clusters").exists() else []
            if found:
                return found[0].parent.parent
            time.sleep(0.05)
        raise AssertionError("the replayed cluster's apiserver did not start")

    def kubectl(self, kubeconfig, *args):
        env = user_env(self.data_dir.parent)
        return subprocess.run(["kubectl", "--kubeconfig", str(kubeconfig), *args], env=env,
                              capture_output=True, text=True, timeout=60)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait(timeout=10)
        out = self.proc.stdout.read(), self.proc.stderr.read()
        shutil.rmtree(self.data_dir, ignore_errors=True)  # its etcd's 64 MB of WAL among them
        return out


def test_the_bundle_holds_every_object_of_the_clusters_etcd_as_stored(origin, bundles):
    plain = bundles["plain"]
    manifest = json.loads((plain / "manifest.json").read_text())
    assert manifest["clusterStore"] == "etcd", manifest
    assert "stored-objects.json" in manifest["files"] and "cluster-store" not in str(manifest["files"])
    objects = objects_of(plain)
    etcd = origin.ready()["etcd"]
    for name in origin.ready()["secrets"]:
        key = f"/registry/secrets/default/{name}"
        assert objects[key]["prefix"] == PREFIX, objects[key]
        assert base64.b64decode(objects[key]["valueBase64"]) == etcdctl_get(etcd, key)
    # Not only the secrets: the namespaces the apiserver made are objects in etcd too.
    assert any(k.startswith("/registry/namespaces/") for k in objects), sorted(objects)
    # The member's data directory is the store, not configuration: it stays behind.
    assert not (plain / "cluster" / "etcd").exists()
    assert (plain / "cluster" / "etcd.log").is_file()
    # The request log, found through endpoints.json's logFile, and the detector's answer.
    assert '"msg":"request"' in (plain / "emulator-log.txt").read_text()
    assert json.loads((plain / "detector.json").read_text())["properties"]["status"]["statusId"] == 3


@pytest.mark.parametrize("material", [True, False])
def test_a_replay_seeds_the_new_etcd_before_the_apiserver_serves(origin, bundles, tmp_path, material):
    bundle = bundles["material.tar.gz" if material else "plain"]
    replay = Replay(origin.emulator, bundle, tmp_path / "replay")
    try:
        cluster = replay.cluster_dir()
        kubeconfig = cluster / "apiserver" / "kubeconfig"
        if material:  # a .tar.gz: unpacked into the replay's data directory, not left in /tmp
            assert (replay.data_dir / "imported-bundle" / "manifest.json").is_file()
        # The apiserver serves only once the seed is in: its file is gone, every byte is there.
        assert not (cluster / "etcd-seed.json").exists()
        endpoint = (cluster / "etcd-endpoint").read_text().strip()
        assert endpoint != origin.ready()["etcd"]
        objects = objects_of(bundles["plain"])
        for key, o in objects.items():
            assert etcdctl_get(endpoint, key) == base64.b64decode(o["valueBase64"]), key
        got = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # the apiserver answers once its plugin is healthy
            got = replay.kubectl(kubeconfig, "get", "secret", "db-password", "-o", "json")
            if got.returncode == 0 or not material and "KeyMaterialWithheld" in got.stderr:
                break
            time.sleep(0.2)
        if material:
            assert got.returncode == 0, got.stderr
            assert json.loads(got.stdout)["data"]["value"] == base64.b64encode(b"hunter2").decode()
        else:
            assert got.returncode != 0 and "KeyMaterialWithheld" in got.stderr, got.stderr
            # New values still encrypt and decrypt under the stand-in key.
            made = replay.kubectl(kubeconfig, "create", "secret", "generic", "after",
                                  "--from-literal=v=new")
            assert made.returncode == 0, made.stderr
            read = replay.kubectl(kubeconfig, "get", "secret", "after", "-o", "json")
            assert read.returncode == 0, read.stderr
    finally:
        said, errors = replay.stop()
    assert ("NO key material" in said) != material, said
    assert f"{len(objects)} stored object(s) of its cluster go into the cluster's new etcd" in errors
    assert "the KMS detector at export: Success:" in said, said


def refused(origin, bundle, data_dir, *extra):
    out = subprocess.run([*INCIDENT, "replay", str(bundle), "--data-dir", str(data_dir),
                          "--emulator", str(origin.emulator), "--", "--port", "0", *extra],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0, out.stdout
    # Nothing written: no store, no cluster directory (so no etcd was started or seeded).
    assert not (data_dir / "store.db").exists() and not (data_dir / "clusters").exists()
    return out.stderr


def test_malformed_objects_and_the_wrong_store_are_refused_and_change_nothing(origin, bundles, tmp_path):
    plain = bundles["plain"]
    document = json.loads((plain / "stored-objects.json").read_text())
    index = next(i for i, o in enumerate(document["objects"]) if o["key"] == SECRET_KEY)
    broken = [
        ("valueBase64", "not*base64", f"objects[{index}] ({SECRET_KEY}): valueBase64 is not standard base64"),
        ("key", "/elsewhere/x", f"objects[{index}]: key '/elsewhere/x' is not under /registry/"),
        ("prefix", "k8s:enc:kms:v2:otherprovider:", "does not start with its prefix"),
    ]
    for n, (field, value, expected) in enumerate(broken):
        bad = tmp_path / f"bad{n}"
        shutil.copytree(plain, bad)
        doc = json.loads(json.dumps(document))
        doc["objects"][index][field] = value
        (bad / "stored-objects.json").write_text(json.dumps(doc))
        err = refused(origin, bad, tmp_path / f"data{n}")
        assert "stored-objects.json" in err and expected in err, err
    truncated = tmp_path / "truncated"
    shutil.copytree(plain, truncated)
    text = (plain / "stored-objects.json").read_text()
    (truncated / "stored-objects.json").write_text(text[:len(text) // 2])
    assert "stored-objects.json: not JSON" in refused(origin, truncated, tmp_path / "data-t")
    # An etcd bundle on the embedded store would come back without its objects: refused, saying
    # which flag replays it.
    err = refused(origin, plain, tmp_path / "data-e", "--aks-cluster-store=embedded")
    assert "replay it with --aks-cluster-store=etcd" in err, err


def test_an_etcd_bundle_without_its_objects_replays_and_says_why(origin, bundles, tmp_path):
    """An export that could not read the cluster's etcd notes it; the replay of such a bundle
    starts the cluster on an empty etcd and says so at start."""
    sys.path.insert(0, str(REPO / "tools"))
    import kmslab_incident
    src = tmp_path / "cluster"
    src.mkdir()
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))  # bound, never listening: the connection is refused
    (src / "etcd-endpoint").write_text(f"http://127.0.0.1:{closed.getsockname()[1]}\n")
    notes = []
    assert kmslab_incident.etcd_objects(src, notes) is None
    closed.close()
    assert "could not be read" in notes[0] and "no stored objects" in notes[0], notes
    without = tmp_path / "without"
    shutil.copytree(bundles["plain"], without)
    (without / "stored-objects.json").unlink()
    replay = Replay(origin.emulator, without, tmp_path / "replay")
    try:
        cluster = replay.cluster_dir()
        assert not (cluster / "etcd-seed.json").exists()
    finally:
        _, errors = replay.stop()
    assert "has no stored-objects.json" in errors and "etcd starts empty" in errors, errors
