#!/usr/bin/env python3
"""Fills a vault with KEYS keys of VERSIONS versions each, for tools/bench/keyvault.sh.

Each version is one `POST /keys/NAME/create` (a create on an existing name adds a version).
Several threads, each with its own TLS keep-alive connection, share the key names round-robin;
the work is I/O-bound on the client side (ssl releases the GIL), so threads are enough to keep
the emulator busy without a third-party HTTP client.

Bounded: stops at --timeout seconds even if not done (and says so), and every socket operation
has a timeout. Any answer other than 200 stops the run with exit status 1: a fill that silently
got 401s or 429s would make the memory figure meaningless.

Prints one JSON object: {"created": versions created, "keys": keys with all their versions,
"seconds": wall time, "complete": bool}.
"""
import argparse
import http.client
import json
import ssl
import sys
import threading
import time


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, required=True, help="emulator HTTPS port on 127.0.0.1")
    ap.add_argument("--host", required=True, help="Host header, e.g. benchvault.vault.localhost:PORT")
    ap.add_argument("--ca", required=True, help="the emulator's ca.pem")
    ap.add_argument("--token", required=True, help="bearer token")
    ap.add_argument("--keys", type=int, default=10000)
    ap.add_argument("--versions", type=int, default=5)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--prefix", default="fill")
    ap.add_argument("--body", default='{"kty":"EC","crv":"P-256"}')
    ap.add_argument("--timeout", type=float, default=240.0, help="seconds for the whole fill")
    args = ap.parse_args()

    ctx = ssl.create_default_context(cafile=args.ca)
    headers = {
        "Host": args.host,  # routes to the vault; http.client then adds no Host of its own
        "Authorization": "Bearer " + args.token,
        "Content-Type": "application/json",
    }
    body = args.body.encode()
    t0 = time.monotonic()
    deadline = t0 + args.timeout
    stop = threading.Event()
    lock = threading.Lock()
    totals = {"created": 0, "keys": 0}
    errors = []

    def worker(first: int) -> None:
        created = keys = 0
        # The certificate covers 127.0.0.1, so TLS verification stays on.
        conn = http.client.HTTPSConnection("127.0.0.1", args.port, context=ctx, timeout=30)
        try:
            for i in range(first, args.keys, args.threads):
                path = f"/keys/{args.prefix}{i}/create?api-version=7.5"
                for _ in range(args.versions):
                    if stop.is_set() or time.monotonic() > deadline:
                        return
                    conn.request("POST", path, body=body, headers=headers)
                    resp = conn.getresponse()
                    data = resp.read()
                    if resp.status != 200:
                        errors.append(f"{path}: HTTP {resp.status}: {data[:300]!r}")
                        stop.set()
                        return
                    created += 1
                keys += 1
        except Exception as e:  # noqa: BLE001 - any failure must stop the fill loudly
            errors.append(f"thread {first}: {type(e).__name__}: {e}")
            stop.set()
        finally:
            conn.close()
            with lock:
                totals["created"] += created
                totals["keys"] += keys

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.monotonic() - t0
    if errors:
        print("keyvault_fill: " + "; ".join(errors[:3]), file=sys.stderr)
        return 1
    print(json.dumps({"created": totals["created"], "keys": totals["keys"],
                      "seconds": round(seconds, 2),
                      "complete": totals["keys"] == args.keys}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
