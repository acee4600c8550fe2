#!/usr/bin/env python3
"""Load for tools/bench/apiserver.sh: the Kubernetes REST calls kubectl makes, over keep-alive
HTTPS connections taken from a kmslab-apiserver kubeconfig.

  apiserver_load.py fill KUBECONFIG N [--threads T] [--prefix P] [--start S]
      create secrets P-S .. P-(N-1)
  apiserver_load.py list KUBECONFIG                                 page through every secret
  apiserver_load.py migrate KUBECONFIG [--pid PID]                  the replace pipeline as REST:
      page the LIST (limit 500, as kubectl's default chunk size), PUT every item back unchanged;
      with --pid, samples that process's resident memory while it runs.
  apiserver_load.py stored KUBECONFIG PREFIX [--expect N] [--etcd HOST:PORT --etcd-prefix P]
      every stored secret's value begins PREFIX: through etcdctl on etcd (paged, 1000 a call),
      else the census route /_kmslab/storage/providers and the raw route for a sample of keys;
      with the stored bytes per secret.
Each prints one JSON line of figures."""
import argparse
import base64
import http.client
import json
import os
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse


def connect(kubeconfig):
    config = json.load(open(kubeconfig))
    cluster = config["clusters"][0]["cluster"]
    url = urllib.parse.urlparse(cluster["server"])
    context = ssl.create_default_context(cafile=cluster["certificate-authority"])
    token = config["users"][0]["user"]["token"]

    def new():
        return http.client.HTTPSConnection(url.hostname, url.port, context=context, timeout=60)

    return new, {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def call(conn, method, path, headers, body=None):
    conn.request(method, path, body=body, headers=headers)
    reply = conn.getresponse()
    data = reply.read()
    if reply.status >= 300:
        raise RuntimeError(f"{method} {path}: {reply.status} {data[:200]!r}")
    return data


def fill(args):
    new, headers = connect(args.kubeconfig)
    done = [0]
    lock = threading.Lock()

    def worker(offset):
        conn = new()
        for i in range(args.start + offset, args.count, args.threads):
            body = json.dumps({"apiVersion": "v1", "kind": "Secret",
                               "metadata": {"name": f"{args.prefix}-{i}"},
                               "data": {"password": "c2VjcmV0LXZhbHVlLTEyMzQ1Njc4OTA="}})
            call(conn, "POST", "/api/v1/namespaces/default/secrets", headers, body)
            with lock:
                done[0] += 1

    start = time.monotonic()
    threads = [threading.Thread(target=worker, args=(t,)) for t in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.monotonic() - start
    print(json.dumps({"part": "fill", "created": done[0], "seconds": round(took, 2),
                      "per_second": round(done[0] / took, 1)}))
    return 0 if done[0] == args.count - args.start else 1


def pages(conn, headers):
    token = ""
    for _ in range(10_000_000):  # bounded: every page moves the continue token forward
        query = "limit=500" + (f"&continue={urllib.parse.quote(token)}" if token else "")
        page = json.loads(call(conn, "GET", f"/api/v1/secrets?{query}", headers))
        yield page["items"]
        token = page["metadata"].get("continue", "")
        if not token:
            return


def list_all(args):
    new, headers = connect(args.kubeconfig)
    start = time.monotonic()
    count = sum(len(items) for items in pages(new(), headers))
    took = time.monotonic() - start
    print(json.dumps({"part": "list", "objects": count, "seconds": round(took, 2)}))
    return 0


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def migrate(args):
    new, headers = connect(args.kubeconfig)
    samples = []
    stop = threading.Event()

    def sample():
        while not stop.wait(0.25):
            samples.append(rss_kib(args.pid))

    if args.pid:
        samples.append(rss_kib(args.pid))
        sampler = threading.Thread(target=sample)
        sampler.start()
    lister, writer = new(), new()
    start = time.monotonic()
    seen = rewritten = 0
    tenths = []
    for items in pages(lister, headers):
        for item in items:
            meta = item["metadata"]
            path = f"/api/v1/namespaces/{meta['namespace']}/secrets/{meta['name']}"
            reply = json.loads(call(writer, "PUT", path, headers, json.dumps(item)))
            seen += 1
            rewritten += reply["metadata"]["resourceVersion"] != meta["resourceVersion"]
        # At 10%, 20%, ... of the rewrite (a page of 500 may pass more than one tenth).
        while (args.pid and args.expect and len(tenths) < 10
               and seen * 10 >= args.expect * (len(tenths) + 1)):
            tenths.append(rss_kib(args.pid))
    took = time.monotonic() - start
    out = {"part": "migrate", "objects": seen, "rewritten": rewritten, "seconds": round(took, 2),
           "per_second": round(seen / took, 1)}
    if args.pid:
        stop.set()
        sampler.join()
        out.update({"rss_before_kib": samples[0], "rss_tenths_kib": tenths,
                    "rss_end_kib": rss_kib(args.pid), "rss_peak_kib": max(samples)})
    print(json.dumps(out))
    return 0


def etcd_values(endpoint, prefix):
    """(key, value) of every key under prefix, read with etcdctl a page at a time: the range
    [start, end) with --limit; the next page starts at the last key, which it then skips."""
    end = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    start, last = prefix, None
    for _ in range(10_000_000):  # bounded: every page moves start forward
        out = subprocess.run(["etcdctl", "--endpoints", endpoint, "get", start, end, "--limit",
                              "1000", "-w", "json"], check=True, capture_output=True,
                             env={**os.environ, "ETCDCTL_API": "3"}).stdout
        reply = json.loads(out)
        kvs = [(base64.b64decode(kv["key"]), base64.b64decode(kv["value"]))
               for kv in reply.get("kvs", [])]
        for key, value in kvs:
            if key != last:
                yield key, value
        if not reply.get("more") or not kvs:
            return
        last = kvs[-1][0]
        start = last.decode()


def stored(args):
    want = args.prefix.encode()
    if args.etcd:
        count = wrong = size = 0
        for key, value in etcd_values(args.etcd, f"{args.etcd_prefix}/secrets/"):
            count += 1
            size += len(key) + len(value)
            wrong += not value.startswith(want)
        out = {"part": "stored", "via": "etcdctl", "secrets": count, "wrong_prefix": wrong,
               "stored_bytes_per_secret": round(size / max(count, 1), 1)}
    else:
        new, headers = connect(args.kubeconfig)
        conn = new()
        census = json.loads(call(conn, "GET", "/_kmslab/storage/providers", headers))
        counts = census["resources"]["secrets"]
        count = sum(counts.values())
        size = sampled = 0
        for items in pages(conn, headers):
            for item in items:
                if sampled == args.sample:
                    break
                meta = item["metadata"]
                key = f"/registry/secrets/{meta['namespace']}/{meta['name']}"
                value = call(conn, "GET", f"/_kmslab/raw?key={urllib.parse.quote(key)}", headers)
                size += len(key) + len(value)
                sampled += 1
            break  # the first page is the sample
        out = {"part": "stored", "via": "census", "secrets": count,
               "wrong_prefix": count - counts.get(args.prefix, 0), "complete": census["complete"],
               "stored_bytes_per_secret": round(size / max(sampled, 1), 1)}
    print(json.dumps(out))
    good = out["wrong_prefix"] == 0 and out.get("complete", True)
    return 0 if good and args.expect in (-1, out["secrets"]) else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("fill")
    f.add_argument("kubeconfig")
    f.add_argument("count", type=int)
    f.add_argument("--threads", type=int, default=4)
    f.add_argument("--prefix", default="bench")
    f.add_argument("--start", type=int, default=0, help="the first index (a fill adding to one)")
    f.set_defaults(run=fill)
    li = sub.add_parser("list")
    li.add_argument("kubeconfig")
    li.set_defaults(run=list_all)
    m = sub.add_parser("migrate")
    m.add_argument("kubeconfig")
    m.add_argument("--pid", type=int, default=0)
    m.add_argument("--expect", type=int, default=0, help="objects expected (for the 10%% samples)")
    m.set_defaults(run=migrate)
    st = sub.add_parser("stored")
    st.add_argument("kubeconfig")
    st.add_argument("prefix", help="what every stored secret must begin with")
    st.add_argument("--etcd", default="", help="etcd's client endpoint: read it with etcdctl")
    st.add_argument("--etcd-prefix", default="/registry")
    st.add_argument("--sample", type=int, default=500, help="raw reads on the embedded store")
    st.add_argument("--expect", type=int, default=-1, help="secrets that must be stored")
    st.set_defaults(run=stored)
    args = parser.parse_args()
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
