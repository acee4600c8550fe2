"""Debian's /usr/bin/etcd (3.4) for the apiserver tests: one member or a cluster, member i on
127.0.0.(i+1) with client and peer ports found free, data in a temp dir, SIGKILLed at the end.
With tls=True its clients must speak TLS with a client certificate (--client-cert-auth), all
made here by openssl under one test CA (files in cluster.certs)."""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from kmslab_harness import wait_for  # noqa: E402

ETCD = "/usr/bin/etcd"


def require_etcd():
    """Skips without etcd, except under CI=true, where tools/setup.sh installs it."""
    if os.access(ETCD, os.X_OK) and shutil.which("etcdctl"):
        return
    reason = f"{ETCD} / etcdctl not installed (apt-get install etcd-server etcd-client)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason + " (CI=true: tools/setup.sh installs it)")
    pytest.skip(reason)


def free_port(address):
    with socket.socket() as s:
        s.bind((address, 0))
        return s.getsockname()[1]


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)


def make_certs(directory, addresses):
    """A CA, a server certificate for `addresses` (IP SANs) and a client certificate, EC P-256,
    as files in `directory`: {"ca", "server", "server_key", "client", "client_key", "other_key"}
    (other_key: a key that belongs to no certificate)."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    f = {n: str(d / f"{n}.pem") for n in ("ca", "ca_key", "server", "server_key", "client",
                                          "client_key", "other_key")}
    for key in ("ca_key", "server_key", "client_key", "other_key"):
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", f[key])
    openssl("req", "-x509", "-new", "-key", f["ca_key"], "-subj", "/CN=kmslab etcd test CA",
            "-days", "2", "-out", f["ca"], "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    sans = ",".join(f"IP:{a}" for a in addresses)
    for name, cn, usage in (("server", "etcd", "serverAuth,clientAuth"),
                            ("client", "kube-apiserver-etcd-client", "clientAuth")):
        csr = str(d / f"{name}.csr")
        openssl("req", "-new", "-key", f[f"{name}_key"], "-subj", f"/CN={cn}", "-out", csr)
        ext = d / f"{name}.ext"
        ext.write_text(f"subjectAltName={sans}\nextendedKeyUsage={usage}\n")
        openssl("x509", "-req", "-in", csr, "-CA", f["ca"], "-CAkey", f["ca_key"],
                "-CAcreateserial", "-days", "2", "-extfile", str(ext), "-out", f[name])
    return f


class EtcdCluster:
    def __init__(self, size=1, tls=False):
        self.dir = Path(tempfile.mkdtemp(prefix="kmslab-etcd-"))
        self.scheme = "https" if tls else "http"
        self.certs = make_certs(self.dir / "certs", [f"127.0.0.{i + 1}" for i in range(size)]) \
            if tls else None
        self.members = []
        for i in range(size):
            address = f"127.0.0.{i + 1}"
            self.members.append({"name": f"m{i}", "address": address,
                                 "client": free_port(address), "peer": free_port(address),
                                 "proc": None})
        initial = ",".join(f"{m['name']}=http://{m['address']}:{m['peer']}" for m in self.members)
        alone = size == 1
        for m in self.members:
            client = f"{self.scheme}://{m['address']}:{m['client']}"
            peer = f"http://{m['address']}:{m['peer']}"
            tls_flags = ["--cert-file", self.certs["server"], "--key-file",
                         self.certs["server_key"], "--client-cert-auth", "--trusted-ca-file",
                         self.certs["ca"]] if tls else []
            m["proc"] = subprocess.Popen(
                [ETCD, *tls_flags, "--name", m["name"], "--data-dir", str(self.dir / m["name"]),
                 "--listen-client-urls", client, "--advertise-client-urls", client,
                 "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                 "--initial-cluster", initial, "--initial-cluster-state", "new",
                 "--heartbeat-interval", "10" if alone else "50",
                 "--election-timeout", "100" if alone else "750",
                 "--logger", "zap", "--log-outputs", str(self.dir / f"{m['name']}.log")],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for i in range(size):
            wait_for(lambda i=i: self._healthy(i), f"etcd member {i} healthy", timeout=30)

    def endpoint(self, i):
        m = self.members[i]
        return f"{m['address']}:{m['client']}"

    def url(self, i):
        return f"{self.scheme}://{self.endpoint(i)}"

    def tls_flags(self):
        """kube-apiserver's flags for this cluster's CA and client certificate."""
        if not self.certs:
            return []
        return ["--etcd-cafile", self.certs["ca"], "--etcd-certfile", self.certs["client"],
                "--etcd-keyfile", self.certs["client_key"]]

    def _healthy(self, i):
        if self.members[i]["proc"].poll() is not None:
            raise AssertionError(f"etcd member {i} exited; log in {self.dir}")
        return self.etcdctl("endpoint", "health", endpoints=[i], check=False).returncode == 0

    def alive(self):
        return [i for i, m in enumerate(self.members) if m["proc"] and m["proc"].poll() is None]

    def etcdctl(self, *args, endpoints=None, check=True):
        """etcdctl (API v3) against the given members (default: every live one); stdout bytes."""
        eps = ",".join(self.endpoint(i) for i in (endpoints if endpoints is not None
                                                   else self.alive()))
        tls = ["--cacert", self.certs["ca"], "--cert", self.certs["client"], "--key",
               self.certs["client_key"]] if self.certs else []
        out = subprocess.run(["etcdctl", "--endpoints", eps, "--command-timeout", "5s", *tls, *args],
                             capture_output=True, env=dict(os.environ, ETCDCTL_API="3"),
                             timeout=30)
        if check and out.returncode != 0:
            raise AssertionError(f"etcdctl {' '.join(args)}: {out.stderr.decode()}")
        return out

    def get(self, key):
        """The stored bytes of `key`, as `etcdctl get --print-value-only` prints them."""
        out = self.etcdctl("get", key, "--print-value-only").stdout
        return out[:-1] if out.endswith(b"\n") else out

    def leader(self):
        import json
        status = json.loads(self.etcdctl("endpoint", "status", "-w", "json").stdout)
        leader_id = status[0]["Status"]["leader"]
        for s in status:
            if s["Status"]["header"]["member_id"] == leader_id:
                return [self.endpoint(i) for i in range(len(self.members))].index(s["Endpoint"])
        raise AssertionError("no leader")

    def kill(self, i):
        proc = self.members[i]["proc"]
        if proc and proc.poll() is None:
            proc.kill()
            proc.wait(timeout=20)

    def close(self):
        for i in range(len(self.members)):
            self.kill(i)
        shutil.rmtree(self.dir, ignore_errors=True)


def started_etcd(size=1, tls=False):
    """A generator fixture body: an EtcdCluster for the test (or module), closed after it."""
    require_etcd()
    cluster = EtcdCluster(size, tls=tls)
    yield cluster
    cluster.close()


@pytest.fixture(scope="module")
def module_etcd():
    """One single-member etcd shared by a module's tests (import it into the module)."""
    yield from started_etcd(1)
