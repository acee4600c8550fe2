#!/usr/bin/python3
"""kmslab incident: turn a running stack's state into a bundle, and a bundle into a stack.

  tools/kmslab incident export CLUSTER [--data-dir D] [--out F] [--include-key-material]
  tools/kmslab incident replay BUNDLE [--data-dir D] [--emulator PATH] [-- EMULATOR OPTIONS...]

CLUSTER is the managed cluster's ARM id or RG/NAME. The bundle (a directory, or a .tar.gz when
--out ends so) holds manifest.json (format kmslab-incident, version 1) and:
  state.json          the emulator's whole state (GET /_kmslab/state): vaults, keys, identities,
                      role assignments, network rules, ARM resources, clusters, faults, the
                      virtual clock, the audit log
  audit-events.json   every vault's AuditEvent records (GET /_kmslab/audit-events)
  cluster.json        the managed cluster as ARM shows it
  detector.json       the KMS detector's answer (its HTTP status when it has none)
  cluster/            the cluster's EncryptionConfiguration and plugin configuration
                      (secrets in azure.json redacted), its apiserver's log tail
  stored-objects.json the cluster's objects as stored (the k8s:enc:kms:... bytes, base64): on
                      the embedded store its secrets; on its own etcd (--aks-cluster-store=etcd)
                      every key under /registry/, which the replay puts into the replayed
                      cluster's new etcd before its apiserver starts
  cluster-store/      the cluster apiserver's embedded store, which the replayed cluster uses
manifest.json's "clusterStore" ("etcd", "embedded" or null) says which store the cluster used; a
replay runs its clusters on the same one (--aks-cluster-store=etcd is added for an etcd bundle).
  emulator-log.txt    the tail of the emulator's request log (its --log-file; endpoints.json
                      names it), when it has one
Every file is owner-only (0600, directories 0700).

Without --include-key-material no private key leaves the emulator: key versions keep their
public JWK only, the token signing key and backup secret stay behind, and nothing in the
cluster directory that holds a private key is copied. A replay of such a bundle gives each of
those key versions a stand-in private key, so every vault, key, identity and cluster serves
again (new values encrypt and decrypt, the plugin is healthy), but values encrypted before the
export, the stored secrets among them, answer 403 KeyMaterialWithheld; replay says so at start.
--include-key-material exports the keys' private material and the token signing key too:
whoever holds the bundle can decrypt what those keys protect.

replay starts kmslab-emulator in the foreground on a NEW data directory (a .tar.gz is unpacked
into its imported-bundle/) with --import-state BUNDLE (its clusters' processes start from the
imported ARM state), after printing the detector's verdict at export."""
import argparse
import base64
import hashlib
import json
import os
import re
import shutil
import ssl
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from kmslab_env import default_data_dir, read_endpoints  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
FORMAT, VERSION = "kmslab-incident", 1
ARM_API = "2022-11-01"
DETECTOR = "detectors/azure-keyvault-kms-integration-issues"
LOG_LINES = 5000
PRIVATE = re.compile(rb"PRIVATE KEY|\"d\"\s*:|\"pkcs8_pem\"")


def fail(message):
    print(f"kmslab incident: {message}", file=sys.stderr)
    sys.exit(1)


class Http:
    """Straight to the emulator's HTTPS port (or a cluster's apiserver), never through a proxy."""

    def __init__(self, base, ca, token=None):
        self.base, self.token = base, token
        context = ssl.create_default_context(cafile=ca)
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                                  urllib.request.HTTPSHandler(context=context))

    def get(self, path, data=None):
        req = urllib.request.Request(self.base + path, data=data)
        if self.token:
            req.add_header("Authorization", "Bearer " + self.token)
        try:
            with self.opener.open(req, timeout=60) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()
        except (urllib.error.URLError, OSError) as e:
            fail(f"cannot reach {self.base}: {e}")


def write_private(path, data):
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def cluster_id(arg, endpoints):
    if arg.startswith("/subscriptions/"):
        return arg.rstrip("/")
    rg, _, name = arg.partition("/")
    if not rg or not name or "/" in name:
        fail(f"CLUSTER must be an ARM id or RG/NAME, not '{arg}'")
    return (f"/subscriptions/{endpoints['subscription']}/resourceGroups/{rg}/providers/"
            f"Microsoft.ContainerService/managedClusters/{name}")


def cluster_dir_name(cid):
    """emulator/aks/supervisor/cluster_files.cpp's cluster_dir_name, of the lower-case id the
    control plane is given (aks/lifecycle.cpp)."""
    cid = cid.lower()
    name = "".join(c.lower() if c.isalnum() or c in "-_" else "_"
                   for c in cid.rsplit("/", 1)[-1])[:24] or "cluster"
    return name + "-" + hashlib.sha256(cid.encode()).hexdigest()[:12]


def arm_token(emu, endpoints):
    """A client-credentials token for ARM (the open directory takes any client): registering a
    service principal would change the state being exported."""
    body = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": "kmslab-incident",
                                   "client_secret": "export",
                                   "scope": "https://management.azure.com/.default"}).encode()
    status, answer = emu.get(f"/{endpoints['tenant']}/oauth2/v2.0/token", data=body)
    return json.loads(answer)["access_token"] if status == 200 else None


def copy_cluster_files(src, out, include_key_material, notes):
    """The cluster's configuration (EncryptionConfiguration, plugin azure.json) and log tails;
    never its kubeconfig, sockets or anything holding a private key unless asked for."""
    if not src.is_dir():
        notes.append(f"no cluster directory {src.name} (ARM-only cluster, or another machine)")
        return []
    copied = []
    for path in sorted(p for p in src.rglob("*") if p.is_file() and not p.is_symlink()):
        rel = path.relative_to(src)
        # Credentials (kubeconfig, the apiserver's token), sockets and the store itself (its
        # secrets come as stored, in stored-objects.json; an etcd member's data dir in etcd/)
        # stay behind.
        if rel.parts[0] == "etcd" or path.name in ("kubeconfig", "token") or \
                path.suffix in (".socket", ".db") or \
                path.name.endswith((".db-wal", ".db-shm", ".db-journal")):
            continue
        if path.stat().st_size > 4 << 20 and path.suffix != ".log":
            continue
        data = path.read_bytes()
        if path.suffix == ".log":
            data = b"\n".join(data.splitlines()[-LOG_LINES:]) + b"\n"
        if path.name.endswith(".json") and b"aadClientSecret" in data:
            try:
                j = json.loads(data)
                j["aadClientSecret"] = "<redacted>" if j.get("aadClientSecret") else ""
                data = json.dumps(j, indent=1).encode()
            except json.JSONDecodeError:
                continue
        if PRIVATE.search(data) and not include_key_material:
            notes.append(f"cluster/{rel}: left out (holds a private key)")
            continue
        write_private(out / "cluster" / rel, data)
        copied.append(f"cluster/{rel}")
    return copied


STORE_FILES = ("apiserver.db", "apiserver.db-wal")


def copy_cluster_store(src, out, notes):
    """The cluster apiserver's embedded store as it is on disk (its values as stored, KMS
    ciphertexts included), for the replay to start the cluster on. The running apiserver holds it
    locked, so the file and its write-ahead log are copied as they are: a write landing during
    the copy may be missing from it."""
    copied = []
    for name in STORE_FILES:
        path = src / "apiserver" / name
        if path.is_file():
            write_private(out / "cluster-store" / name, path.read_bytes())
            copied.append(f"cluster-store/{name}")
    if not copied and src.is_dir():
        notes.append("the cluster's apiserver has no embedded store (real etcd?): only "
                     "stored-objects.json holds its values")
    return copied


def object_entry(key, raw):
    """One stored-objects.json entry; "k8s:enc:kms:v2:azurekmsprovider:" names the provider that
    wrote a KMS value."""
    fields = raw.split(b":", 5)
    prefix = b":".join(fields[:5]) + b":" if raw.startswith(b"k8s:enc:") and len(fields) > 5 else b""
    return {"key": key, "prefix": prefix.decode("latin-1"),
            "valueBase64": base64.b64encode(raw).decode()}


ETCD_PREFIX = b"/registry/"
ETCD_PAGE = 500
ETCD_PAGES = 10000  # bounds the loop: 5 million keys


def etcd_objects(src, notes):
    """Every key under /registry/ in the cluster's own etcd (--aks-cluster-store=etcd), read at
    one revision through etcd's v3 JSON gateway (POST /v3/kv/range, keys and values base64): the
    values exactly as stored, and whether or not the apiserver is up. None without an etcd."""
    endpoint = src / "etcd-endpoint"
    if not endpoint.is_file():
        return None
    url = endpoint.read_text().strip()
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    b64 = lambda b: base64.b64encode(b).decode()
    start, end, revision, objects = ETCD_PREFIX, ETCD_PREFIX[:-1] + b"0", 0, []
    for _ in range(ETCD_PAGES):
        body = {"key": b64(start), "range_end": b64(end), "limit": ETCD_PAGE}
        if revision:
            body["revision"] = revision
        req = urllib.request.Request(url + "/v3/kv/range", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        try:
            with opener.open(req, timeout=30) as resp:
                page = json.loads(resp.read())
        except (urllib.error.URLError, OSError, ValueError) as e:
            notes.append(f"the cluster's etcd ({url}) could not be read ({e}): no stored objects")
            return None
        revision = revision or int(page.get("header", {}).get("revision", 0))
        kvs = page.get("kvs", [])
        for kv in kvs:
            key = base64.b64decode(kv["key"])
            try:
                objects.append(object_entry(key.decode(), base64.b64decode(kv.get("value", ""))))
            except UnicodeDecodeError:
                notes.append(f"etcd key {key!r} is not UTF-8: left out")
        if not page.get("more") or not kvs:
            return objects
        start = base64.b64decode(kvs[-1]["key"]) + b"\0"
    notes.append(f"the cluster's etcd holds more than {ETCD_PAGE * ETCD_PAGES} keys: cut there")
    return objects


def stored_objects(src, notes):
    """The cluster's secrets as its apiserver stored them (GET /_kmslab/raw?key=...)."""
    kubeconfig = src / "apiserver" / "kubeconfig"  # the apiserver's own, on loopback
    if not kubeconfig.exists():
        return None
    try:  # the apiserver writes its kubeconfig as JSON (kmslab-apiserver's write_kubeconfig)
        config = json.loads(kubeconfig.read_text())
        server = config["clusters"][0]["cluster"]["server"]
        ca = config["clusters"][0]["cluster"]["certificate-authority"]
        token = config["users"][0]["user"]["token"]
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        notes.append("cluster kubeconfig unreadable: stored objects not exported")
        return None
    api = Http(server, ca, token)
    try:
        status, body = api.get("/api/v1/secrets")
    except SystemExit:
        notes.append("cluster apiserver not reachable: stored objects not exported")
        return None
    if status != 200:
        notes.append(f"cluster apiserver listed secrets with {status}")
        return None
    objects = []
    for item in json.loads(body).get("items", []):
        meta = item.get("metadata", {})
        key = f"/registry/secrets/{meta.get('namespace')}/{meta.get('name')}"
        s, raw = api.get("/_kmslab/raw?key=" + urllib.parse.quote(key, safe=""))
        if s == 200:
            objects.append(object_entry(key, raw))
    return objects


def export(args):
    data_dir = Path(args.data_dir) if args.data_dir else default_data_dir()
    endpoints = read_endpoints(data_dir)
    emu = Http(endpoints.get("https") or endpoints["http"], endpoints["ca"], args.admin_token)
    cid = cluster_id(args.cluster, endpoints)
    notes, files = [], []
    out = Path(args.out or f"incident-{cid.rsplit('/', 1)[-1]}-{time.strftime('%Y%m%dT%H%M%S')}")
    archive = out.name.endswith(".tar.gz")
    work = Path(tempfile.mkdtemp(prefix="kmslab-incident-")) if archive else out
    if not archive and out.exists() and any(out.iterdir()):
        fail(f"{out} exists and is not empty")
    work.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(work, 0o700)

    query = "?include-key-material=true" if args.include_key_material else ""
    status, state = emu.get("/_kmslab/state" + query)
    if status != 200:
        fail(f"GET /_kmslab/state answered {status}: {state[:300]!r}")
    write_private(work / "state.json", state)
    files.append("state.json")
    status, audit = emu.get("/_kmslab/audit-events")
    write_private(work / "audit-events.json", audit if status == 200 else b'{"records":[]}')
    files.append("audit-events.json")

    token = arm_token(emu, endpoints)
    if token:
        arm = Http(emu.base, endpoints["ca"], token)
        status, cluster = arm.get(f"{cid}?api-version={ARM_API}")
        if status != 200:
            fail(f"cluster {cid}: ARM answered {status}: {cluster[:300]!r}")
        write_private(work / "cluster.json", cluster)
        files.append("cluster.json")
        status, detector = arm.get(f"{cid}/{DETECTOR}?api-version={ARM_API}")
        write_private(work / "detector.json",
                      detector if status == 200 else json.dumps({"status": status}).encode())
        files.append("detector.json")
    else:
        notes.append("no ARM token (registered directory?): cluster.json and detector.json missing")

    src = data_dir / "clusters" / cluster_dir_name(cid)
    files += copy_cluster_files(src, work, args.include_key_material, notes)
    on_etcd = (src / "etcd-endpoint").is_file()
    store_files = [] if on_etcd else copy_cluster_store(src, work, notes)
    files += store_files
    # A cluster on its own etcd: every object from that etcd, which the replay seeds its new
    # etcd with; on the embedded store the secrets, as its apiserver shows them stored.
    objects = etcd_objects(src, notes) if on_etcd else stored_objects(src, notes)
    if objects is not None:
        write_private(work / "stored-objects.json", json.dumps({"objects": objects}, indent=1))
        files.append("stored-objects.json")
    log = Path(endpoints.get("logFile") or data_dir / "emulator.log")
    if log.is_file():
        write_private(work / "emulator-log.txt",
                      b"\n".join(log.read_bytes().splitlines()[-LOG_LINES:]) + b"\n")
        files.append("emulator-log.txt")
    else:
        notes.append("no request log: the emulator was started without --log-file (it logged "
                     "to its stderr)")

    manifest = {"format": FORMAT, "version": VERSION,
                "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "cluster": cid, "keyMaterial": bool(args.include_key_material),
                "clusterStore": "etcd" if on_etcd else "embedded" if store_files else None,
                "emulatorVersion": endpoints.get("version"), "files": files, "notes": notes}
    write_private(work / "manifest.json", json.dumps(manifest, indent=1) + "\n")
    if archive:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f, tarfile.open(fileobj=f, mode="w:gz") as tar:
            tar.add(work, arcname=".")
        shutil.rmtree(work)
    print(f"incident bundle: {out} ({'with' if args.include_key_material else 'without'} key material)")
    for note in notes:
        print(f"  note: {note}")


def unpack(bundle, target, cleanup):
    """A .tar.gz into `target` (new, private): regular files and directories only, every path
    inside it. On error `cleanup` (target, or the data directory made for it) is removed."""
    target.mkdir(mode=0o700, parents=True)
    problem = None
    try:
        with tarfile.open(bundle, "r:gz") as tar:
            for m in tar.getmembers():
                p = Path(m.name)
                if p.is_absolute() or ".." in p.parts or not (m.isfile() or m.isdir()):
                    problem = f"refusing member {m.name!r}"
                    break
                dest = target / p
                if m.isdir():
                    dest.mkdir(mode=0o700, parents=True, exist_ok=True)
                    continue
                src = tar.extractfile(m)
                write_private(dest, src.read())
    except (tarfile.TarError, EOFError, OSError) as e:
        problem = f"not a readable .tar.gz bundle ({e})"
    if problem:
        shutil.rmtree(cleanup, ignore_errors=True)
        fail(f"{bundle}: {problem}")
    return target


DETECTOR_STATUS = {0: "Critical", 1: "Warning", 2: "Info", 3: "Success"}


def detector_verdict(bundle):
    """The exported detector's worst finding ("Critical: KeyExpired: ..."), so whoever replays
    sees at once what the cluster's owner saw; None when the bundle has no detector answer."""
    try:
        answer = json.loads((bundle / "detector.json").read_text())
        status = answer["properties"]["status"]
        return f"{DETECTOR_STATUS.get(status.get('statusId'), status.get('statusId'))}: " \
               f"{status.get('message')}"
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def replay(args):
    bundle = Path(args.bundle)
    if not bundle.exists():
        fail(f"{bundle} does not exist")
    made = not args.data_dir or not Path(args.data_dir).exists()
    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="kmslab-replay-data-"))
    if data_dir.exists() and any(data_dir.iterdir()):
        fail(f"--data-dir {data_dir} is not empty: a replay starts from the bundle alone")
    if bundle.is_file() and bundle.name.endswith((".tar.gz", ".tgz")):
        # Into the replay's own data directory (owner-only), so that its key material, if any,
        # goes with it rather than staying behind in /tmp.
        target = data_dir / "imported-bundle"
        bundle = unpack(bundle, target, data_dir if made else target)
    try:
        manifest = json.loads((bundle / "manifest.json").read_text())
    except (OSError, json.JSONDecodeError) as e:
        fail(f"{bundle}/manifest.json: {e}")
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        fail(f"{bundle}/manifest.json: not a {FORMAT} version {VERSION} manifest")
    emulator = args.emulator or str(REPO / "build" / "emulator" / "kmslab-emulator")
    store = bundle / "cluster-store"
    if store.is_dir() and manifest.get("cluster"):
        # The replayed cluster's apiserver starts on the exported store: its stored values are
        # back byte for byte (the supervisor keeps a cluster's directory by its id).
        target = data_dir / "clusters" / cluster_dir_name(manifest["cluster"]) / "apiserver"
        for name in STORE_FILES:
            if (store / name).is_file():
                write_private(target / name, (store / name).read_bytes())
        for d in (data_dir, data_dir / "clusters", target.parent, target):
            os.chmod(d, 0o700)
    rest = list(args.rest)
    if manifest.get("clusterStore") == "etcd" and not any(
            a == "--aks-cluster-store" or a.startswith("--aks-cluster-store=") for a in rest):
        rest.append("--aks-cluster-store=etcd")  # its objects go into the cluster's new etcd
    print(f"replaying {args.bundle}: cluster {manifest.get('cluster')}, data directory {data_dir}")
    verdict = detector_verdict(bundle)
    if verdict:
        print(f"  the KMS detector at export: {verdict}")
    if not manifest.get("keyMaterial"):
        print("  this bundle has NO key material: vaults, keys, identities and clusters come back "
              "(its keys get stand-in private keys), but values encrypted before the export, the "
              "stored secrets among them, do not decrypt (403 KeyMaterialWithheld)")
    sys.stdout.flush()
    cmd = [emulator, "--data-dir", str(data_dir), "--import-state", str(bundle), *rest]
    os.execv(emulator, cmd)


def main():
    parser = argparse.ArgumentParser(prog="kmslab incident", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    e = sub.add_parser("export", help="write a bundle of a cluster's incident")
    e.add_argument("cluster", help="the managed cluster: ARM id or RG/NAME")
    e.add_argument("--data-dir", help="the running emulator's data directory")
    e.add_argument("--out", help="bundle directory, or F.tar.gz (default incident-NAME-TIME)")
    e.add_argument("--include-key-material", action="store_true",
                   help="also export every key version's PRIVATE key and the token signing key: "
                        "whoever holds the bundle can decrypt what they protect")
    e.add_argument("--admin-token", default=os.environ.get("KMSLAB_ADMIN_TOKEN"),
                   help="the emulator's --admin-token (needed for key material when it has one)")
    r = sub.add_parser("replay", help="start a stack in a bundle's state")
    r.add_argument("bundle", help="bundle directory or .tar.gz")
    r.add_argument("--data-dir", help="a new, empty data directory (default: a temporary one)")
    r.add_argument("--emulator", help="kmslab-emulator binary (default build/emulator/...)")
    argv = sys.argv[1:]
    rest = argv[argv.index("--") + 1:] if "--" in argv else []
    args = parser.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    args.rest = rest
    export(args) if args.command == "export" else replay(args)


if __name__ == "__main__":
    main()
