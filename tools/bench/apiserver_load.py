#!/usr/bin/env python3
"""Load for tools/bench/apiserver.sh: the Kubernetes REST calls kubectl makes, over keep-alive
HTTPS connections taken from a kmslab-apiserver kubeconfig.

  apiserver_load.py fill KUBECONFIG N [--threads T] [--prefix P]   create N secrets
  apiserver_load.py list KUBECONFIG                                 page through every secret
  apiserver_load.py migrate KUBECONFIG [--pid PID]                  the replace pipeline as REST:
      page the LIST (limit 500, as kubectl's default chunk size), PUT every item back unchanged;
      with --pid, samples that process's resident memory while it runs.
Each prints one JSON line of figures."""
import argparse
import http.client
import json
import ssl
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
        for i in range(offset, args.count, args.threads):
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
    return 0 if done[0] == args.count else 1


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
    half_rss = None
    for items in pages(lister, headers):
        for item in items:
            meta = item["metadata"]
            path = f"/api/v1/namespaces/{meta['namespace']}/secrets/{meta['name']}"
            reply = json.loads(call(writer, "PUT", path, headers, json.dumps(item)))
            seen += 1
            rewritten += reply["metadata"]["resourceVersion"] != meta["resourceVersion"]
        if args.pid and half_rss is None and seen >= args.expect // 2:
            half_rss = rss_kib(args.pid)
    took = time.monotonic() - start
    out = {"part": "migrate", "objects": seen, "rewritten": rewritten, "seconds": round(took, 2),
           "per_second": round(seen / took, 1)}
    if args.pid:
        stop.set()
        sampler.join()
        out.update({"rss_before_kib": samples[0], "rss_half_kib": half_rss,
                    "rss_end_kib": rss_kib(args.pid), "rss_peak_kib": max(samples)})
    print(json.dumps(out))
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("fill")
    f.add_argument("kubeconfig")
    f.add_argument("count", type=int)
    f.add_argument("--threads", type=int, default=4)
    f.add_argument("--prefix", default="bench")
    f.set_defaults(run=fill)
    li = sub.add_parser("list")
    li.add_argument("kubeconfig")
    li.set_defaults(run=list_all)
    m = sub.add_parser("migrate")
    m.add_argument("kubeconfig")
    m.add_argument("--pid", type=int, default=0)
    m.add_argument("--expect", type=int, default=0, help="objects expected (for the half sample)")
    m.set_defaults(run=migrate)
    args = parser.parse_args()
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
