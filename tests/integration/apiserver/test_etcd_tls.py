"""kmslab-apiserver on etcd 3.4 over TLS with client certificates, as kube-apiserver:
--etcd-servers=https://..., --etcd-cafile, --etcd-certfile, --etcd-keyfile. One TLS etcd (started
with --cert-file/--key-file/--client-cert-auth/--trusted-ca-file) serves the whole module."""
import subprocess

import pytest

from conftest import Apiserver
from etcd_cluster import make_certs, started_etcd
from test_etcd import ENCRYPTION_CONFIG, mock_plugin  # noqa: F401 (a fixture)


@pytest.fixture(scope="module")
def tls_etcd():
    yield from started_etcd(1, tls=True)


def run_apiserver(binary, data_dir, *args):
    return subprocess.run([binary, "--data-dir", str(data_dir), "--secure-port", "0", *args],
                          capture_output=True, text=True, timeout=60)


def test_kms_v2_secret_over_tls_with_a_client_certificate(apiserver_binary, tmp_path, tls_etcd,
                                                          mock_plugin, kubectl_available):
    config = tmp_path / "enc.yaml"
    config.write_text(ENCRYPTION_CONFIG.format(socket=mock_plugin))
    args = ["--etcd-servers", tls_etcd.url(0), *tls_etcd.tls_flags(),
            "--encryption-provider-config", str(config), "--etcd-prefix", "/tls-kms"]
    server = Apiserver(apiserver_binary, tmp_path / "data", args).start()
    try:
        server.kubectl("create", "secret", "generic", "s1", "--from-literal=password=hunter2")
        stored = tls_etcd.get("/tls-kms/secrets/default/s1")
        assert stored.startswith(b"k8s:enc:kms:v2:mock:")
        assert server.kubectl_json("get", "secret", "s1")["data"]["password"] == "aHVudGVyMg=="
        assert "[+]etcd ok" in server.kubectl("get", "--raw", "/readyz?verbose").stdout
    finally:
        server.kill()


def test_etcd_refuses_a_client_without_a_certificate(apiserver_binary, tmp_path, tls_etcd):
    # The store spec form, with a short budget (the flags' default is 5 s).
    spec = f"etcd+tls://{tls_etcd.endpoint(0)}?timeout=1&ca={tls_etcd.certs['ca']}"
    out = run_apiserver(apiserver_binary, tmp_path, "--store", spec)
    assert out.returncode == 1
    assert f"etcd: all members unreachable: {tls_etcd.endpoint(0)}" in out.stderr, out.stderr


def test_a_server_certificate_from_another_ca_is_not_trusted(apiserver_binary, tmp_path, tls_etcd):
    other = make_certs(tmp_path / "other", ["127.0.0.1"])
    out = run_apiserver(apiserver_binary, tmp_path, "--etcd-servers", tls_etcd.url(0),
                        "--etcd-cafile", other["ca"], "--etcd-certfile", tls_etcd.certs["client"],
                        "--etcd-keyfile", tls_etcd.certs["client_key"])
    assert out.returncode == 1
    assert "etcd: all members unreachable" in out.stderr, out.stderr
    assert "certificate verify failed" in out.stderr.splitlines()[-1]


def test_plain_http_to_a_tls_member_fails(apiserver_binary, tmp_path, tls_etcd):
    out = run_apiserver(apiserver_binary, tmp_path, "--store",
                        f"etcd://{tls_etcd.endpoint(0)}?timeout=1")
    assert out.returncode == 1
    assert "etcd: all members unreachable" in out.stderr, out.stderr


@pytest.mark.parametrize("flags,message", [
    (lambda c, t: ["--etcd-cafile", str(t / "missing.pem")],
     "cannot read the CA file (--etcd-cafile)"),
    (lambda c, t: ["--etcd-cafile", c["ca"], "--etcd-certfile", c["client"]],
     "KeyFile and CertFile must both be present[key: , cert: "),
    (lambda c, t: ["--etcd-cafile", c["ca"], "--etcd-certfile", c["client"], "--etcd-keyfile",
                   c["other_key"]], "tls: private key does not match public key"),
    (lambda c, t: ["--etcd-cafile", c["client_key"]], "holds no PEM certificate"),
])
def test_unusable_tls_files_are_clear_errors(apiserver_binary, tmp_path, tls_etcd, flags, message):
    out = run_apiserver(apiserver_binary, tmp_path, "--etcd-servers", tls_etcd.url(0),
                        *flags(tls_etcd.certs, tmp_path))
    assert out.returncode == 1
    assert message in out.stderr, out.stderr



@pytest.fixture
def tls_etcd3():
    yield from started_etcd(3, tls=True)


def test_failover_between_tls_members(apiserver_binary, tmp_path, tls_etcd3, kubectl_available):
    """Three TLS members, each with its own address in the server certificate: the one in use
    is killed and the apiserver carries on over TLS on the next."""
    cluster = tls_etcd3
    urls = ",".join(cluster.url(i) for i in range(3))
    server = Apiserver(apiserver_binary, tmp_path / "data",
                       ["--etcd-servers", urls, *cluster.tls_flags()]).start()
    try:
        server.kubectl("create", "secret", "generic", "before", "--from-literal=a=b")
        cluster.kill(0)
        server.kubectl("create", "secret", "generic", "after", "--from-literal=a=c")
        names = {s["metadata"]["name"] for s in server.kubectl_json("get", "secrets")["items"]}
        assert names == {"before", "after"}
        assert b"after" in cluster.get("/registry/secrets/default/after")
    finally:
        server.kill()
