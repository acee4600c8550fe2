"""`tools/kmslab up` (issue #13 item 6): the emulator plus a ready demo made through the public
APIs (a KMS v2 cluster running its apiserver, plugin and etcd, three secrets), the copy-paste
lines it prints (each run here as printed), a second `up` on the same data directory reusing the
demo, and `--no-demo`."""
import json
import ssl
import subprocess
import urllib.request

import pytest

from up_stack import REPO, Up, build_dir, require_tools, run_lines, user_env

PREFIX = b"k8s:enc:kms:v2:azurekmsprovider:"


@pytest.fixture(scope="module")
def stack(request, tmp_path_factory):
    require_tools()
    up = Up(build_dir(request), tmp_path_factory.mktemp("up") / "data").start()
    try:
        up.first_ready = up.wait_ready()
        yield up
    finally:
        up.kill_group()


def runner_built(build):
    """`tools/kmslab run` needs the runner (branch runner); its binary says it is there."""
    return (build / "scenarios" / "runner" / "kmslab-run").exists()


def get(url, ca):
    context = ssl.create_default_context(cafile=ca)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                         urllib.request.HTTPSHandler(context=context))
    with opener.open(url, timeout=20) as answer:
        return answer.status, answer.read()


def test_the_demo_is_ready_and_says_so(stack):
    ready = stack.ready()
    assert ready["cluster"].endswith("/resourceGroups/kmslab-demo/providers/"
                                     "Microsoft.ContainerService/managedClusters/demo")
    assert ready["keyId"].startswith("https://kmslab-demo-kv.vault.azure.net/keys/kek/")
    assert ready["secrets"] == ["db-password", "api-token", "tls-passphrase"]
    assert ready["made"] == ["resourceGroups", "userAssignedIdentities", "vaults", "key",
                             "managedClusters", "secret/db-password", "secret/api-token",
                             "secret/tls-passphrase"]
    assert ready["etcd"].startswith("http://127.0.0.1:")  # etcd-server is installed: etcd store
    assert (stack.data_dir / "demo" / "etcd-endpoint").read_text().strip() == ready["etcd"]
    assert (stack.data_dir / "demo" / "kubeconfig").stat().st_mode & 0o077 == 0
    out = stack.output()
    assert "kmslab: demo ready in" in out and "etcd store" in out
    assert 'eval "$(tools/kmslab env --data-dir' in out
    assert f"  kmslab-etcd: {ready['etcd']} (the cluster's etcd" in out
    assert ready["fqdn"].startswith("demo-") and ready["fqdn"].endswith(".hcp.eastus.azmk8s.io")
    assert f"  cluster:     https://{ready['fqdn']}:443" in out
    # The request log goes to its file, not between the printed lines.
    assert '"msg":"request"' not in out and (stack.data_dir / "emulator.log").exists()
    print(f"up -> demo ready: {stack.first_ready:.1f} s (demo part {ready['seconds']} s)")


def test_every_printed_line_works_as_printed(stack):
    lines = stack.ready()["lines"]
    assert lines[0].startswith('eval "$(tools/kmslab env --data-dir ')
    assert lines[-1] == "tools/kmslab run --list"
    # The catalogue line needs the runner: its own test below.
    outputs = run_lines(lines[:-1], REPO, user_env(stack.data_dir.parent))
    show = json.loads(outputs[1])
    assert show["enabled"] is True and show["keyId"] == stack.ready()["keyId"]
    assert show["keyVaultNetworkAccess"] == "Public"
    assert outputs[2].decode().split() == ["https://kmslab-demo-kv.vault.azure.net/keys/kek"]
    listed = outputs[4].decode()
    for name in stack.ready()["secrets"]:
        assert f"\n{name} " in listed, listed
    assert outputs[5].startswith(PREFIX), outputs[5][:80]
    assert b"hunter2" not in outputs[5]
    assert outputs[6].strip() == b"['kek']"
    assert outputs[7].strip() == b'["kek"]'  # the JavaScript SDK's line


def test_the_catalogue_line_runs_when_the_runner_is_built(stack):
    build = stack.build
    if not runner_built(build):
        pytest.skip(f"{build}/scenarios/runner/kmslab-run is not built (the runner branch)")
    out = subprocess.run(["bash", "-c", stack.ready()["lines"][-1].replace(
        "tools/kmslab run ", f"tools/kmslab run --build-dir {build} ")], cwd=REPO,
        env=user_env(stack.data_dir.parent), capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "P5" in out.stdout, out.stdout  # the catalogue has the scenario the tour runs


def test_a_second_up_reuses_the_demo(stack):
    before = stack.ready()
    env = user_env(stack.data_dir.parent)
    kubeconfig = before["kubeconfig"]
    uid = subprocess.run(
        ["kubectl", "--kubeconfig", kubeconfig, "get", "secret", "db-password", "-o",
         "jsonpath={.metadata.uid}"], env=dict(env, HTTPS_PROXY=stack.endpoints()["proxy"]),
        capture_output=True, text=True, timeout=60)
    assert uid.returncode == 0 and uid.stdout, uid.stderr
    assert stack.stop() == 143  # SIGTERM: the command's trap stopped the emulator
    assert not (stack.data_dir / "demo" / "ready.json").exists()
    again = Up(stack.build, stack.data_dir).start()
    try:
        seconds = again.wait_ready()
        after = again.ready()
        assert after["keyId"] == before["keyId"]  # no second key version
        assert after["cluster"] == before["cluster"]
        assert after["made"] == [] and "reused the demo already there" in again.output()
        proxy = again.endpoints()["proxy"]
        same = subprocess.run(
            ["kubectl", "--kubeconfig", kubeconfig, "get", "secret", "db-password", "-o",
             "jsonpath={.metadata.uid}"], env=dict(env, HTTPS_PROXY=proxy),
            capture_output=True, text=True, timeout=60)
        assert same.stdout == uid.stdout, same.stderr  # the secret written before, read back
        listed = subprocess.run(["kubectl", "--kubeconfig", kubeconfig, "get", "secrets", "-o",
                                 "name"], env=dict(env, HTTPS_PROXY=proxy), capture_output=True,
                                text=True, timeout=60)
        assert sorted(listed.stdout.split()) == sorted(f"secret/{n}" for n in after["secrets"])
        stored = subprocess.run(["etcdctl", "--endpoints", after["etcd"], "get",
                                 "/registry/secrets/default/api-token", "--print-value-only"],
                                env=dict(env, ETCDCTL_API="3"), capture_output=True, timeout=60)
        assert stored.stdout.startswith(PREFIX), stored.stderr
        print(f"second up -> demo ready: {seconds:.1f} s")
        # kill -9 of everything (the command, the emulator; the cluster's processes die with
        # it): the next up still finds the demo, its etcd data and the secrets.
        again.kill_group()
        third = Up(stack.build, stack.data_dir).start()
        try:
            third.wait_ready()
            assert third.ready()["made"] == []
            got = subprocess.run(
                ["kubectl", "--kubeconfig", kubeconfig, "get", "secret", "tls-passphrase", "-o",
                 "jsonpath={.data.value}"], env=dict(env, HTTPS_PROXY=third.endpoints()["proxy"]),
                capture_output=True, text=True, timeout=60)
            assert got.stdout == "Y29ycmVjdC1ob3JzZQ==", got.stderr  # base64 of correct-horse
        finally:
            third.stop()
            third.kill_group()
    finally:
        again.stop()
        again.kill_group()


def test_no_demo_starts_the_bare_emulator(request, tmp_path):
    up = Up(build_dir(request), tmp_path / "bare", "--no-demo").start()
    try:
        up.wait_for(lambda: (up.data_dir / "endpoints.json").exists(), "endpoints.json", 60)
        endpoints = up.endpoints()
        assert get(endpoints["https"] + "/_kmslab/health", endpoints["ca"])[0] == 200
        assert "kmslab-emulator" in up.output() and "demo ready" not in up.output()
        assert not (up.data_dir / "demo").exists()
        assert not any((up.data_dir / "clusters").iterdir())  # no cluster made
        # The bare emulator logs to stderr, as before.
        assert '"msg":"request"' in up.errors()
    finally:
        up.stop()
        up.kill_group()


def test_up_help_explains_both_modes(request):
    out = subprocess.run(["tools/kmslab", "up", "--help", "--build-dir",
                          str(build_dir(request))], cwd=REPO, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    for words in ("--no-demo", "--no-build", "kmslab-demo", "ready.json", "reuses the demo",
                  "--aks-cluster-store"):
        assert words in out.stdout, words


def test_the_emulator_refuses_an_unknown_cluster_store(request, tmp_path):
    emulator = build_dir(request) / "emulator" / "kmslab-emulator"
    out = subprocess.run([str(emulator), "--data-dir", str(tmp_path), "--aks-cluster-store",
                          "sqlite"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 2
    assert "--aks-cluster-store must be embedded or etcd, not 'sqlite'" in out.stderr
    missing = subprocess.run([str(emulator), "--data-dir", str(tmp_path), "--port", "0",
                              "--aks-cluster-store=etcd", "--etcd-binary", str(tmp_path / "no")],
                             capture_output=True, text=True, timeout=30)
    assert missing.returncode == 1
    assert "apt-get install etcd-server" in missing.stderr


def test_up_fails_fast_when_the_demo_cannot_run(request, tmp_path):
    build = build_dir(request)
    base = ["tools/kmslab", "up", "--no-build", "--build-dir", str(build), "--port", "0"]
    none = subprocess.run([*base, "--data-dir", str(tmp_path / "a"), "--aks-control-planes",
                           "none"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert none.returncode == 2 and "add --no-demo" in none.stderr
    # An emulator that cannot start: up says so at once rather than waiting for the demo.
    bad = subprocess.run([*base, "--data-dir", str(tmp_path / "b"), "--aks-cluster-store",
                          "bogus"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1, bad.stderr
    assert "--aks-cluster-store must be embedded or etcd" in bad.stderr
    assert "the emulator exited before it was ready" in bad.stderr


def test_without_etcd_the_demo_uses_the_embedded_store(request, tmp_path):
    up = Up(build_dir(request), tmp_path / "embedded", "--aks-cluster-store=embedded").start()
    try:
        up.wait_ready()
        ready = up.ready()
        assert ready["etcd"] is None and "embedded store" in up.output()
        assert "kmslab-etcd:" not in up.output()
        assert not (up.data_dir / "demo" / "etcd-endpoint").exists()
        stored = [line for line in ready["lines"] if "/_kmslab/raw?key=" in line]
        assert len(stored) == 1 and not any("etcdctl" in line for line in ready["lines"])
        out = run_lines(stored, REPO, user_env(tmp_path))
        assert out[0].startswith(PREFIX), out[0][:80]
    finally:
        up.stop()
        up.kill_group()
