"""kubectl get -w against kmslab-apiserver: the watch stream as kubectl reads it (Table rows for
the default output, JSON events with --output-watch-events -o json), resume errors, and the
server's graceful stop ending watches."""
import json
import os
import queue
import subprocess
import threading
import time

import pytest

from conftest import Apiserver


class Watcher:
    """A long-running kubectl whose stdout is read by a thread; reads have deadlines."""

    def __init__(self, server, *args):
        env = dict(os.environ, KUBECONFIG=str(server.kubeconfig), HOME=str(server.data_dir / "home"))
        self.proc = subprocess.Popen(["kubectl", *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=env)
        self.chunks = queue.Queue()
        self.text = ""
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        for line in self.proc.stdout:
            self.chunks.put(line)
        self.chunks.put(None)

    def until(self, predicate, what, timeout=20.0):
        """Reads until predicate(text so far) holds; fails after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while not predicate(self.text):
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out waiting for {what}; got:\n{self.text}")
            try:
                chunk = self.chunks.get(timeout=left)
            except queue.Empty:
                continue
            if chunk is None:
                if predicate(self.text):
                    break
                raise AssertionError(f"kubectl ended before {what}; got:\n{self.text}"
                                     f"\nstderr: {self.proc.stderr.read()}")
            self.text += chunk
        return self.text

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=20)


def events(text):
    """The JSON objects kubectl printed one after another (indented, not one per line)."""
    decoder, out, i = json.JSONDecoder(), [], 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return out
        try:
            obj, i = decoder.raw_decode(text, i)
        except json.JSONDecodeError:
            return out  # the rest has not arrived yet
        out.append(obj)


def rows(text):
    return [line.split() for line in text.splitlines()[1:] if line.strip()]


def test_get_watch_prints_a_row_per_change(apiserver):
    apiserver.kubectl("create", "secret", "generic", "before", "--from-literal=a=b")
    w = Watcher(apiserver, "get", "secrets", "-w")
    try:
        w.until(lambda t: "before" in t, "the current state")
        assert w.text.splitlines()[0].split() == ["NAME", "TYPE", "DATA", "AGE"]
        apiserver.kubectl("create", "secret", "generic", "s1", "--from-literal=a=b")
        w.until(lambda t: len(rows(t)) >= 2, "the created secret")
        apiserver.kubectl("patch", "secret", "s1", "-p", '{"data":{"b":"Yw=="}}')
        w.until(lambda t: ["s1", "Opaque", "2"] in [r[:3] for r in rows(t)], "the update (DATA 2)")
        assert [r[0] for r in rows(w.text)] == ["before", "s1", "s1"]
        assert w.text.count("NAME") == 1  # the header once: later events carry no columns
    finally:
        w.stop()


def test_output_watch_events_json(apiserver):
    w = Watcher(apiserver, "get", "secrets", "-w", "--output-watch-events", "-o", "json")
    try:
        apiserver.kubectl("create", "secret", "generic", "s1", "--from-literal=a=b")
        w.until(lambda t: len(events(t)) >= 1, "ADDED")
        apiserver.kubectl("label", "secret", "s1", "team=blue")
        apiserver.kubectl("delete", "secret", "s1")
        got = events(w.until(lambda t: len(events(t)) >= 3, "MODIFIED and DELETED"))
        assert [e["type"] for e in got] == ["ADDED", "MODIFIED", "DELETED"]
        assert got[0]["object"]["kind"] == "Secret" and got[0]["object"]["data"] == {"a": "Yg=="}
        assert got[1]["object"]["metadata"]["labels"] == {"team": "blue"}
        deleted = got[2]["object"]
        assert deleted["metadata"]["name"] == "s1" and deleted["data"] == {"a": "Yg=="}
        assert int(deleted["metadata"]["resourceVersion"]) > int(got[1]["object"]["metadata"]["resourceVersion"])
    finally:
        w.stop()


def test_label_selector_and_all_namespaces(apiserver):
    apiserver.kubectl("create", "namespace", "team")
    w = Watcher(apiserver, "get", "configmaps", "-A", "-l", "app=x", "-w",
                "--output-watch-events", "-o", "json")
    try:
        apiserver.kubectl("create", "configmap", "other", "-n", "team", "--from-literal=k=v")
        apiserver.kubectl("create", "configmap", "mine", "-n", "team", "--from-literal=k=v")
        apiserver.kubectl("label", "configmap", "mine", "-n", "team", "app=x")
        got = events(w.until(lambda t: len(events(t)) >= 1, "the labelled configmap"))
        assert [(e["type"], e["object"]["metadata"]["name"]) for e in got] == [("ADDED", "mine")]
    finally:
        w.stop()


def test_resume_from_an_expired_resource_version_is_410(apiserver_binary, tmp_path, kubectl_available):
    server = Apiserver(apiserver_binary, tmp_path / "d", ["--default-watch-cache-size", "2"]).start()
    try:
        listed = server.kubectl("get", "--raw", "/api/v1/namespaces/default/secrets").stdout
        first = int(json.loads(listed)["metadata"]["resourceVersion"])
        for i in range(3):
            server.kubectl("create", "secret", "generic", f"s{i}", "--from-literal=a=b")
        out = server.kubectl("get", "--raw",
                             f"/api/v1/namespaces/default/secrets?watch=true&resourceVersion={first}")
        event = json.loads(out.stdout)
        assert event["type"] == "ERROR"
        status = event["object"]
        assert (status["kind"], status["code"], status["reason"]) == ("Status", 410, "Expired")
        assert status["message"].startswith(f"too old resource version: {first} (")
    finally:
        assert server.stop() == 0


def test_graceful_stop_ends_the_watch(apiserver_binary, tmp_path, kubectl_available):
    server = Apiserver(apiserver_binary, tmp_path / "d").start()
    server.kubectl("create", "secret", "generic", "s1", "--from-literal=a=b")
    w = Watcher(server, "get", "secrets", "-w", "--output-watch-events", "-o", "json")
    try:
        w.until(lambda t: len(events(t)) >= 1, "the current state")
        # An event from a later write proves the watch itself (not only the list) is open.
        server.kubectl("create", "secret", "generic", "s2", "--from-literal=a=b")
        w.until(lambda t: len(events(t)) >= 2, "the watched write")
        assert server.stop() == 0
        rc = w.proc.wait(timeout=20)
        assert rc == 0, w.proc.stderr.read()  # the stream ended cleanly: kubectl is done
    finally:
        w.stop()


@pytest.mark.parametrize("version", ["1.27", "1.29"])
def test_get_watch_with_each_kubectl(apiserver_binary, tmp_path, kubectl_available, version):
    """kubectl 1.27 / 1.29 (picked by the dispatcher from the server's version) read the same
    Table watch."""
    server = Apiserver(apiserver_binary, tmp_path / "d", ["--kubernetes-version", version]).start()
    w = Watcher(server, "get", "secrets", "-w")
    try:
        server.kubectl("create", "secret", "generic", "s1", "--from-literal=a=b")
        w.until(lambda t: ["s1", "Opaque", "1"] in [r[:3] for r in rows(t)], "the created secret")
        server.kubectl("delete", "secret", "s1")
        # kubectl get -w prints a deleted object's row again
        w.until(lambda t: [r[0] for r in rows(t)].count("s1") >= 2, "the deletion")
    finally:
        w.stop()
        assert server.stop() == 0
