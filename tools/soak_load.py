#!/usr/bin/env python3
"""Steady mixed Key Vault load against a running kmslab emulator, for tools/soak.sh.

Runs --minutes of a bounded-rate mix of key operations over a rolling set of --keys keys,
prints one line every --interval seconds (throughput, latency, errors and the emulator's RSS,
open fds and store size) and a summary with a memory verdict. Exit status 0 only if there were
no errors and the emulator's RSS grew less than --max-growth percent after the warm-up.

Python standard library only: one thread per --threads, each with its own TLS keep-alive
connection (ssl releases the GIL while it waits, so threads are enough at a few hundred req/s).

Operation mix (per operation; some operations are more than one request, see OPS):
  get 40, sign 20, verify 10, encrypt+decrypt 10, new version 5, update tags 5, list 5,
  delete+recover or delete+purge(+re-create under a new name) 5.
A key that reaches --max-versions versions is retired (deleted, purged, re-created under a new
name) instead of getting another version, as an application that rotates keys and drops old
ones does: the data set stays bounded, so memory after the warm-up must stay flat.

Who may touch which key: every thread READS any key (so threads contend on the same keys),
but only the key's owner thread (slot index % threads) CHANGES it (new version, tags, delete,
recover, purge). A reader therefore knows exactly when a 404 is legitimate: only if the owner
was in the middle of a delete cycle, or finished one, while the request was in flight (the
slot's generation counter tells). Any other non-2xx answer is an error; so is a connection
error, a wrong answer (verify false, decrypt giving back other bytes) or a 5xx.
"""
import argparse
import base64
import http.client
import json
import os
import random
import socket
import ssl
import sys
import threading
import time
import urllib.parse

TENANT = "6f2a3b4c-5d6e-4f70-8192-a3b4c5d6e7f8"
API = "api-version=7.5"
# Operation weights (percent of operations), as the soak brief specifies.
OPS = [("get", 40), ("sign", 20), ("verify", 10), ("encdec", 10), ("version", 5),
       ("tags", 5), ("list", 5), ("delete", 5)]
TOKEN_REFRESH_S = 30 * 60   # tokens live 1 h of real time; refresh well before that
MAX_ERRORS = 1000           # past this the run is failed anyway: stop instead of hammering on


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def has_kid_and_value(body):
    return None if body.get("kid") and body.get("value") else "no kid/value in the answer"


def percentile(sorted_values, p):
    """Nearest-rank percentile of an already sorted list (None if empty)."""
    if not sorted_values:
        return None
    k = max(0, min(len(sorted_values) - 1, int(round(p / 100.0 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


class VaultConnection(http.client.HTTPSConnection):
    """Keep-alive HTTPS to 127.0.0.1:PORT, TLS name = the vault host.

    http.client would resolve and connect to `host`; *.vault.localhost need not resolve on this
    machine, so the TCP connection goes to 127.0.0.1 while SNI and certificate verification use
    the vault's name (the certificate covers *.vault.localhost).
    """

    def connect(self):
        sock = socket.create_connection(("127.0.0.1", self.port), self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class Token:
    """The bearer token, shared by all threads and refreshed every TOKEN_REFRESH_S."""

    def __init__(self, port, ctx):
        self.port, self.ctx = port, ctx
        self.lock = threading.Lock()
        self.value, self.fetched = None, 0.0

    def get(self) -> str:
        with self.lock:
            if self.value is None or time.monotonic() - self.fetched > TOKEN_REFRESH_S:
                self.value = self._fetch()
                self.fetched = time.monotonic()
            return self.value

    def _fetch(self) -> str:
        # The certificate also covers 127.0.0.1, so verification stays on for Entra ID too.
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.ctx, timeout=30)
        try:
            body = urllib.parse.urlencode({
                "grant_type": "client_credentials", "client_id": "soak", "client_secret": "x",
                "scope": "https://vault.azure.net/.default"})
            conn.request("POST", f"/{TENANT}/oauth2/v2.0/token", body=body,
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
            resp = conn.getresponse()
            data = resp.read()
            if resp.status != 200:
                raise RuntimeError(f"token endpoint answered HTTP {resp.status}: {data[:200]!r}")
            return json.loads(data)["access_token"]
        finally:
            conn.close()


class Slot:
    """One place in the rolling key set. `gen` is odd while the owner is deleting,
    recovering or re-creating the key; every change of `gen` means "a 404 may be right"."""

    def __init__(self, index, kty):
        self.index, self.kty = index, kty
        self.serial = 0
        self.name = self.make_name()
        self.gen = 0
        self.sig = None   # (gen, kid path, digest, signature) from the last sign, for verify
        self.versions = 1

    def make_name(self):
        return f"soak-{self.kty.lower()}{self.index:03d}-g{self.serial}"


class Stats:
    """Latencies and counters since the last report, and for the whole run."""

    def __init__(self):
        self.lock = threading.Lock()
        self.lat, self.all_lat = [], []
        self.errors = self.all_errors = 0
        self.expected = self.all_expected = 0
        self.samples = []          # first few error messages, to print
        self.fatal = None          # set when the run must stop now (emulator gone, too many errors)

    def ok(self, seconds, expected=False):
        with self.lock:
            self.lat.append(seconds)
            if expected:
                self.expected += 1

    def error(self, seconds, message):
        with self.lock:
            if seconds is not None:
                self.lat.append(seconds)
            self.errors += 1
            if len(self.samples) < 10:
                self.samples.append(message)
            if self.all_errors + self.errors >= MAX_ERRORS and not self.fatal:
                self.fatal = f"more than {MAX_ERRORS} errors"

    def take(self):
        """Returns (latencies, errors, expected) since the last call and folds them into totals."""
        with self.lock:
            lat, self.lat = self.lat, []
            errors, self.errors = self.errors, 0
            expected, self.expected = self.expected, 0
        self.all_lat.extend(lat)
        self.all_errors += errors
        self.all_expected += expected
        return lat, errors, expected


class Pacer:
    """Paces one thread to RATE/THREADS requests/s on a fixed schedule.

    If the thread falls more than a second behind (machine busy), the missed slots are dropped
    rather than sent in a burst: the rate is an upper bound, never exceeded to catch up.
    """

    def __init__(self, per_second, start, offset):
        self.period = 1.0 / per_second
        self.next = start + offset * self.period

    def wait(self, stop: threading.Event):
        now = time.monotonic()
        if self.next > now:
            stop.wait(self.next - now)
        elif now - self.next > 1.0:
            self.next = now
        self.next += self.period


class Worker:
    """One load thread's state: its connection, its pacing, the keys it owns."""

    def __init__(self, tid, args, ctx, token, slots, slots_lock, stats, stop, seed):
        self.tid, self.args, self.token = tid, args, token
        self.slots, self.slots_lock, self.stats = slots, slots_lock, stats
        self.stop = stop
        self.rng = random.Random(seed)
        self.host = f"{args.vault}.vault.localhost"
        self.conn = VaultConnection(self.host, args.port, context=ctx, timeout=30)
        self.owned = [s for s in slots if s.index % args.threads == tid]
        self.rsa = [s for s in slots if s.kty == "RSA"]
        self.pacer = None
        self.names, self.weights = zip(*OPS)

    # --- one request ----------------------------------------------------------------------
    def request(self, method, path, body=None):
        """Sends one paced request; returns (status, parsed JSON or None, seconds).
        status None means a connection error, already counted as an error."""
        if self.pacer:
            self.pacer.wait(self.stop)
        sep = "&" if "?" in path else "?"
        headers = {"Host": f"{self.host}:{self.args.port}",
                   "Authorization": "Bearer " + self.token.get()}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        t0 = time.monotonic()
        try:
            self.conn.request(method, path + sep + API, body=data, headers=headers)
            resp = self.conn.getresponse()
            raw = resp.read()
        except (OSError, http.client.HTTPException) as e:
            seconds = time.monotonic() - t0
            self.conn.close()   # http.client reconnects on the next request
            self.stats.error(seconds, f"{method} {path}: connection error {type(e).__name__}: {e}")
            if not os.path.exists(f"/proc/{self.args.pid}"):
                self.stats.fatal = "the emulator process is gone"
            self.stop.wait(0.1)   # do not spin if the emulator is down
            return None, None, seconds
        seconds = time.monotonic() - t0
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        return resp.status, parsed, seconds

    def expect(self, result, what, ok=(200,), slot=None, gen=None, check=None):
        """Classifies one answer. A 404 is expected only when `slot` changed generation (or was
        mid-change) since `gen` was read. Returns the JSON body if the answer is usable."""
        status, body, seconds = result
        if status is None:
            return None
        if status in ok:
            problem = None
            if check:
                problem = check(body) if isinstance(body, dict) else "no JSON object in the body"
            if problem:
                self.stats.error(seconds, f"{what}: HTTP {status} but {problem}")
                return None
            self.stats.ok(seconds)
            return body if body is not None else {}
        if status == 404 and slot is not None:
            with self.slots_lock:
                changed = gen % 2 == 1 or slot.gen != gen
            if changed:
                self.stats.ok(seconds, expected=True)
                return None
        text = json.dumps(body)[:200] if body is not None else ""
        self.stats.error(seconds, f"{what}: HTTP {status} {text}")
        return None

    # --- helpers ----------------------------------------------------------------------------
    def snapshot(self, slot):
        with self.slots_lock:
            return slot.name, slot.gen

    def create_body(self, slot):
        if slot.kty == "RSA":
            return {"kty": "RSA", "key_size": 2048}
        return {"kty": "EC", "crv": "P-256"}

    @staticmethod
    def kid_path(kid):
        """/keys/NAME/VERSION from a kid URL (its host is the vault's, port included)."""
        return urllib.parse.urlsplit(kid).path

    # --- operations -------------------------------------------------------------------------
    def op_get(self):
        slot = self.rng.choice(self.slots)
        name, gen = self.snapshot(slot)
        self.expect(self.request("GET", f"/keys/{name}"), f"GET /keys/{name}", slot=slot, gen=gen,
                    check=lambda b: None if f"/keys/{name}/" in b.get("key", {}).get("kid", "")
                    else "the kid names another key")

    def op_sign(self, slot=None):
        slot = slot or self.rng.choice(self.slots)
        name, gen = self.snapshot(slot)
        digest = b64u(self.rng.randbytes(32))   # a SHA-256-sized digest
        alg = "RS256" if slot.kty == "RSA" else "ES256"
        body = self.expect(self.request("POST", f"/keys/{name}/sign",
                                        {"alg": alg, "value": digest}),
                           f"sign {name}", slot=slot, gen=gen,
                           check=has_kid_and_value)
        if body:
            with self.slots_lock:
                if slot.gen == gen:
                    slot.sig = (gen, self.kid_path(body["kid"]), alg, digest, body["value"])

    def op_verify(self):
        slot = self.rng.choice(self.slots)
        with self.slots_lock:
            sig, gen = slot.sig, slot.gen
        if sig is None or sig[0] != gen:
            self.op_sign(slot)   # nothing current to verify: sign first (counted as a request)
            with self.slots_lock:
                sig, gen = slot.sig, slot.gen
            if sig is None or sig[0] != gen:
                return
        _, path, alg, digest, value = sig
        # Verify against the exact version that signed, so a new version in between is no excuse.
        self.expect(self.request("POST", f"{path}/verify",
                                 {"alg": alg, "digest": digest, "value": value}),
                    f"verify {path}", slot=slot, gen=gen,
                    check=lambda b: None if b.get("value") is True else "verify said false")

    def op_encdec(self):
        slot = self.rng.choice(self.rsa)
        name, gen = self.snapshot(slot)
        plain = b64u(self.rng.randbytes(32))
        body = self.expect(self.request("POST", f"/keys/{name}/encrypt",
                                        {"alg": "RSA-OAEP-256", "value": plain}),
                           f"encrypt {name}", slot=slot, gen=gen,
                           check=has_kid_and_value)
        if not body:
            return
        path = self.kid_path(body["kid"])
        self.expect(self.request("POST", f"{path}/decrypt",
                                 {"alg": "RSA-OAEP-256", "value": body["value"]}),
                    f"decrypt {path}", slot=slot, gen=gen,
                    check=lambda b: None if b.get("value") == plain else "decrypt gave other bytes")

    def op_version(self):
        slot = self.rng.choice(self.owned)
        if slot.versions >= self.args.max_versions:
            self.delete_cycle(slot, purge=True)
            return
        if self.expect(self.request("POST", f"/keys/{slot.name}/create", self.create_body(slot)),
                       f"new version of {slot.name}") is not None:
            slot.versions += 1

    def op_tags(self):
        slot = self.rng.choice(self.owned)
        tags = {"soak": str(self.rng.randrange(1 << 30)), "thread": str(self.tid)}
        self.expect(self.request("PATCH", f"/keys/{slot.name}", {"tags": tags}),
                    f"PATCH /keys/{slot.name}",
                    check=lambda b: None if b.get("tags") == tags else "tags not as sent")

    def op_list(self):
        body = self.expect(self.request("GET", "/keys?maxresults=25"), "list keys",
                           check=lambda b: None if len(b.get("value", [])) <= 25
                           else "more than 25")
        # Follow one nextLink too: paging state is a classic place for a slow leak.
        if body and body.get("nextLink"):
            u = urllib.parse.urlsplit(body["nextLink"])
            query = "&".join(p for p in u.query.split("&") if not p.startswith("api-version="))
            self.expect(self.request("GET", u.path + ("?" + query if query else "")),
                        "list keys (next page)")

    def op_delete(self):
        self.delete_cycle(self.rng.choice(self.owned), purge=self.rng.random() >= 0.5)

    def delete_cycle(self, slot, purge):
        with self.slots_lock:
            slot.gen += 1   # odd: readers' 404s are legitimate from here on
            name = slot.name
        try:
            if not self.expect(self.request("DELETE", f"/keys/{name}"), f"DELETE /keys/{name}"):
                return
            # As SDK pollers do: until the deletion completes (--deletion-window) the deleted key
            # is not there to recover or purge (404 "Deleted Key not found").
            deadline = time.monotonic() + 30
            while self.request("GET", f"/deletedkeys/{name}")[0] == 404:
                if time.monotonic() > deadline or self.stop.is_set():
                    break
                time.sleep(0.05)
            if not purge:
                self.expect(self.request("POST", f"/deletedkeys/{name}/recover"), f"recover {name}")
            else:
                if self.expect(self.request("DELETE", f"/deletedkeys/{name}"), f"purge {name}",
                               ok=(204,)) is None:
                    return
                # A new name, so that the set rolls over names as well as versions.
                slot.serial += 1
                new = slot.make_name()
                if self.expect(self.request("POST", f"/keys/{new}/create", self.create_body(slot)),
                               f"re-create {new}") is not None:
                    with self.slots_lock:
                        slot.name = new
                        slot.versions = 1
        finally:
            with self.slots_lock:
                slot.gen += 1

    # --- loop -------------------------------------------------------------------------------
    def setup(self):
        """Creates this thread's keys as fast as the emulator allows (not paced, not measured)."""
        for slot in self.owned:
            self.expect(self.request("POST", f"/keys/{slot.name}/create", self.create_body(slot)),
                        f"create {slot.name}")

    def guarded(self, what, *args):
        """Runs setup or run_load; a bug or surprise in the client must fail the run loudly,
        not quietly lower the rate by killing one thread."""
        try:
            getattr(self, what)(*args)
        except Exception as e:  # noqa: BLE001
            self.stats.error(None, f"thread {self.tid}: {type(e).__name__}: {e}")
            self.stats.fatal = self.stats.fatal or f"thread {self.tid} crashed"
            self.stop.set()

    def run_load(self, start, deadline):
        per_thread = self.args.rate / self.args.threads
        # Threads start staggered within one period so that they do not fire in lockstep.
        self.pacer = Pacer(per_thread, start, self.tid / self.args.threads)
        ops = {n: getattr(self, "op_" + n) for n in self.names}
        while not self.stop.is_set() and time.monotonic() < deadline:
            ops[self.rng.choices(self.names, self.weights)[0]]()
            if self.stats.fatal:
                self.stop.set()


def proc_stats(pid):
    """(VmRSS KiB, open fds, utime+stime clock ticks) of the emulator, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
        fds = len(os.listdir(f"/proc/{pid}/fd"))
        with open(f"/proc/{pid}/stat") as f:
            # Fields after the ")" that ends the command name; utime and stime are 14 and 15.
            fields = f.read().rsplit(")", 1)[1].split()
        return rss, fds, int(fields[11]) + int(fields[12])
    except (OSError, StopIteration):
        return None


def store_check(port, ctx):
    """GET /_kmslab/store: the store's own integrity check and its revision (one per write).
    Run once, after the load: it reads the whole store under its lock, which would show up in
    the latencies if it ran during the load."""
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=60)
    try:
        conn.request("GET", "/_kmslab/store")
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read() or b"{}")
    except (OSError, http.client.HTTPException, ValueError) as e:
        return None, {"integrity": f"{type(e).__name__}: {e}"}
    finally:
        conn.close()


def store_bytes(path):
    if not path:
        return None
    return sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))


def run_setup_threads(workers, what):
    threads = [threading.Thread(target=w.guarded, args=(what,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, required=True, help="emulator HTTPS port on 127.0.0.1")
    ap.add_argument("--ca", required=True, help="the emulator's ca.pem")
    ap.add_argument("--pid", type=int, required=True, help="emulator pid, for RSS/fds/CPU")
    ap.add_argument("--vault", default="soakvault")
    ap.add_argument("--store-file", default="", help="SQLite store.db to size (empty: memory)")
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--rate", type=float, default=300, help="requests/s, all threads together")
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--keys", type=int, default=200)
    ap.add_argument("--max-versions", type=int, default=10,
                    help="retire a key (purge, re-create) instead of giving it more versions")
    ap.add_argument("--rsa-percent", type=float, default=10, help="share of RSA-2048 keys")
    ap.add_argument("--interval", type=float, default=10, help="seconds between report lines")
    ap.add_argument("--warmup", type=float, default=60, help="seconds before the RSS baseline")
    ap.add_argument("--max-growth", type=float, default=10, help="RSS growth %% still 'flat'")
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()

    duration = args.minutes * 60
    # The baseline must leave time to grow after it: at most half of the run.
    warmup = min(args.warmup, duration / 2)
    seed = args.seed if args.seed is not None else random.randrange(1 << 31)
    ctx = ssl.create_default_context(cafile=args.ca)
    token = Token(args.port, ctx)
    token.get()

    n_rsa = max(1, round(args.keys * args.rsa_percent / 100))
    slots = [Slot(i, "RSA" if i < n_rsa else "EC") for i in range(args.keys)]
    slots_lock = threading.Lock()
    stats = Stats()
    stop = threading.Event()
    workers = [Worker(t, args, ctx, token, slots, slots_lock, stats, stop, seed + t)
               for t in range(args.threads)]
    print(f"soak: {args.threads} threads, target rate {args.rate:g} req/s in total "
          f"({args.rate / args.threads:g} per thread, TLS keep-alive), {args.minutes:g} min, "
          f"{args.keys} keys ({args.keys - n_rsa} EC P-256, {n_rsa} RSA-2048), seed {seed}",
          flush=True)
    print("soak: mix per operation: " + ", ".join(f"{n} {w}%" for n, w in OPS) +
          " (encdec = encrypt+decrypt, list = 2 pages, delete = delete+recover or "
          "delete+purge+re-create: several requests each)", flush=True)
    t_setup = time.monotonic()
    run_setup_threads(workers, "setup")
    lat, errors, _ = stats.take()
    print(f"soak: setup created {len(lat) - errors} keys in {time.monotonic() - t_setup:.1f} s"
          f"{f', {errors} ERRORS' if errors else ''}", flush=True)
    if errors:
        for s in stats.samples:
            print("  error: " + s)
        return 1
    stats.all_lat.clear()

    # The measured run starts only now, so key creation is in neither the rate nor the latencies.
    start = time.monotonic()
    deadline = start + duration
    threads = [threading.Thread(target=w.guarded, args=("run_load", start, deadline), daemon=True)
               for w in workers]
    for t in threads:
        t.start()

    print("soak: columns: requests/latency of the interval; 404ok = 404s that were right (the "
          "key's owner thread deleted it mid-request); RSS, fds, cpu% (100 = one core) of the "
          "emulator; store = store.db + store.db-wal", flush=True)
    print(f"{'elapsed':>7} {'requests':>8} {'req/s':>6} {'p50 ms':>7} {'p99 ms':>7} "
          f"{'errors':>6} {'404ok':>5} {'RSS MiB':>8} {'fds':>4} {'cpu%':>5} {'store MiB':>9}",
          flush=True)
    first = proc_stats(args.pid)
    if first is None:
        print("soak: the emulator process is gone", flush=True)
        return 1
    last_ticks = first[2]
    hz = os.sysconf("SC_CLK_TCK")
    rss_start, rss_warm, rss_end, rss_max = first[0], None, first[0], first[0]
    samples = []   # (seconds since start, RSS KiB) at each report line
    interval_start, next_report = start, start + args.interval
    while True:
        done = stop.wait(max(0.0, min(next_report, deadline) - time.monotonic()))
        now = time.monotonic()
        finished = done or now >= deadline
        if not finished and now < next_report:
            continue
        if finished:
            stop.set()
            for t in threads:
                t.join(timeout=35)   # a request in flight has a 30 s socket timeout
            now = time.monotonic()
        lat, errors, expected = stats.take()
        ps = proc_stats(args.pid)
        if ps is None:
            stats.fatal = stats.fatal or "the emulator process is gone"
            print(f"{now - start:6.0f}s  emulator GONE", flush=True)
            break
        rss, fds, ticks = ps
        lat.sort()
        seconds = max(1e-9, now - interval_start)
        cpu = 100.0 * (ticks - last_ticks) / hz / seconds   # of one core; 200 = both cores
        size = store_bytes(args.store_file)
        ms = [f"{v * 1000:7.1f}" if v is not None else "      -"
              for v in (percentile(lat, 50), percentile(lat, 99))]
        size_text = f"{size / 1048576:9.1f}" if size is not None else "        -"
        print(f"{now - start:6.0f}s {len(lat):8d} {len(lat) / seconds:6.0f} {ms[0]} {ms[1]} "
              f"{errors:6d} {expected:5d} {rss / 1024:8.1f} {fds:4d} {cpu:5.0f} {size_text}",
              flush=True)
        last_ticks, interval_start = ticks, now
        rss_end, rss_max = rss, max(rss_max, rss)
        samples.append((now - start, rss))
        if rss_warm is None and now - start >= warmup - 0.5:
            rss_warm = rss   # first sample at or after the warm-up: the baseline
        if finished:
            break
        next_report += args.interval

    # --- summary ---------------------------------------------------------------------------
    elapsed = time.monotonic() - start
    all_lat = sorted(stats.all_lat)
    total = len(all_lat)
    print(f"soak: total {total} requests in {elapsed:.0f} s = {total / elapsed:.0f} req/s "
          f"(target {args.rate:g} req/s over {args.threads} threads); "
          f"p50 {percentile(all_lat, 50) * 1000 if total else 0:.1f} ms, "
          f"p99 {percentile(all_lat, 99) * 1000 if total else 0:.1f} ms; "
          f"errors {stats.all_errors}; expected 404s (key deleted by its owner mid-request) "
          f"{stats.all_expected}", flush=True)
    if total < 0.9 * args.rate * elapsed:
        print("soak: note: the target rate was not reached (client or emulator short of CPU)")
    for s in stats.samples:
        print("  error: " + s)
    if stats.fatal:
        print(f"soak: stopped early: {stats.fatal}")
    status, store = store_check(args.port, ctx)
    store_ok = status == 200 and store.get("integrity") == "ok"
    # Every write (new version, tags, delete, recover, purge, create) is one store revision; the
    # store keeps a bounded window of them as watch history (history_revisions in
    # emulator/store/local_store.hpp), in memory and in SQLite, so RSS and store size rise with
    # the revision count until that window is full, and only then should level off.
    print(f"soak: store check after the load: HTTP {status}, integrity "
          f"{store.get('integrity')}, revision {store.get('revision')}")
    growth_ok = False
    if rss_warm is None:
        print("soak: FAIL: the run ended before the warm-up, no RSS baseline")
    else:
        growth = (rss_end - rss_warm) / 1024
        pct = 100.0 * (rss_end - rss_warm) / rss_warm
        growth_ok = pct < args.max_growth
        verdict = "memory flat" if growth_ok else "memory GROWING"
        print(f"soak: RSS {rss_start / 1024:.1f} MiB at start, {rss_warm / 1024:.1f} MiB after "
              f"warm-up ({warmup:.0f} s), {rss_end / 1024:.1f} MiB at the end (max "
              f"{rss_max / 1024:.1f}): growth after warm-up {growth:+.1f} MiB ({pct:+.1f}%) -> "
              f"{verdict} (limit {args.max_growth:g}%)")
    if len(samples) >= 4:
        # For reading the curve, not for the verdict: growth over the second half of the run,
        # which is past any warm-up or history filling that ends before half-time.
        t_half, rss_half = next(x for x in samples if x[0] >= samples[-1][0] / 2 - 0.5)
        print(f"soak: (info) RSS over the second half, from {t_half:.0f} s: "
              f"{rss_half / 1024:.1f} -> {rss_end / 1024:.1f} MiB "
              f"({100.0 * (rss_end - rss_half) / rss_half:+.1f}%)")
    ok = growth_ok and store_ok and stats.all_errors == 0 and not stats.fatal
    print(f"soak: {'PASS' if ok else 'FAIL'}", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
