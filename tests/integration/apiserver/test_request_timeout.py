"""kube-apiserver's request timeout in kmslab-apiserver (seed L4, F3): --request-timeout and
?timeout= end a request whose handler is still working with the 504 of k8s.io/apiserver's
timeout filter, in the bytes kube-apiserver writes and as kubectl 1.32 prints it; watches are
exempt. A KMS v1 provider with its DEK cache off makes every read a plugin Decrypt, and the mock
plugin holds Decrypts until the test releases them: the handler cannot end before the deadline,
so no assertion depends on timing."""
import json
import ssl
import subprocess
import urllib.error
import urllib.request

import pytest

from conftest import Apiserver
from test_health import MockPlugin
from kmslab_harness import wait_for

TIMEOUT_BODY = ('{"metadata":{},"status":"Failure","message":"Timeout: request did not complete '
                'within the allotted timeout","reason":"Timeout","details":{},"code":504}\n')
SECRET = "/api/v1/namespaces/default/secrets/s1"


def request(server, method, path, body=None, timeout=20):
    """(status, Content-Type, body) of an HTTPS call with the kubeconfig's CA and token."""
    config = json.loads(server.kubeconfig.read_text())
    cluster = config["clusters"][0]["cluster"]
    headers = {"Authorization": "Bearer " + config["users"][0]["user"]["token"],
               "Content-Type": "application/json"}
    context = ssl.create_default_context(cafile=cluster["certificate-authority"])
    data = json.dumps(body).encode() if body is not None else None
    call = urllib.request.Request(cluster["server"] + path, data=data, headers=headers,
                                  method=method)
    try:
        with urllib.request.urlopen(call, context=context, timeout=timeout) as reply:
            return reply.status, reply.headers.get("Content-Type"), reply.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read().decode()


@pytest.fixture
def world(apiserver_binary, mock_plugin_binary, tmp_path, kubectl_available):
    plugin = MockPlugin(mock_plugin_binary, tmp_path)
    config = tmp_path / "encryption.json"
    # cachesize -1: no DEK cache, every read of a Secret is a Decrypt; the plugin call's own
    # timeout (30 s) is far beyond the request timeouts below.
    config.write_text(json.dumps({
        "apiVersion": "apiserver.config.k8s.io/v1", "kind": "EncryptionConfiguration",
        "resources": [{"resources": ["secrets"], "providers": [
            {"kms": {"name": "slow", "endpoint": f"unix://{plugin.socket}", "cachesize": -1,
                     "timeout": "30s"}},
            {"identity": {}}]}]}))
    servers = []

    def start(request_timeout):
        server = Apiserver(apiserver_binary, tmp_path / "data",
                           ["--encryption-provider-config", str(config), "--kubernetes-version",
                            "1.28", "--request-timeout", request_timeout])
        servers.append(server.start())
        return server

    yield plugin, start
    plugin.hold_decrypts(False)  # held Decrypts would keep the apiserver's handlers busy at its stop
    for server in servers:
        if server.proc.poll() is None:
            assert server.stop() == 0
    plugin.stop()


def test_timeout_parameter_ends_a_slow_read_with_the_504(world):
    plugin, start = world
    server = start("1h")
    server.kubectl("create", "secret", "generic", "s1", "--from-literal=k=v1")
    plugin.hold_decrypts(True)
    status, content_type, body = request(server, "GET", SECRET + "?timeout=1s")
    assert (status, content_type, body) == (504, "text/plain; charset=utf-8", TIMEOUT_BODY)
    # An unparsable ?timeout= is refused before the handler runs (request_deadline.go).
    status, _, body = request(server, "GET", SECRET + "?timeout=5")
    assert status == 400
    assert json.loads(body) == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": 'invalid timeout specified in the request URL - time: missing unit in '
                   'duration "5"', "reason": "BadRequest", "code": 400}


def test_timed_out_update_commits_in_the_background(world):
    plugin, start = world
    server = start("1h")
    server.kubectl("create", "secret", "generic", "s1", "--from-literal=k=v1")
    plugin.hold_decrypts(True)
    # The update reads the current object first (a Decrypt): the 504 comes while it waits.
    patch = {"data": {"k": "djI="}}
    status, _, body = request(server, "PUT", SECRET + "?timeout=1s", {
        "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s1"}, **patch})
    assert (status, body) == (504, TIMEOUT_BODY)
    plugin.hold_decrypts(False)
    # kube-apiserver's handler goes on after the 504: its write is one transaction, made whole.
    wait_for(lambda: server.kubectl_json("get", "secret", "s1")["data"] == patch["data"],
             "the timed-out update to commit")


def test_kubectl_prints_the_timeout_of_the_server(world):
    plugin, start = world
    server = start("2s")
    server.kubectl("create", "secret", "generic", "s1", "--from-literal=k=v1")
    plugin.hold_decrypts(True)
    out = server.kubectl("get", "secret", "s1", check=False)
    assert out.returncode == 1
    # client-go reads the text/plain 504 as an unstructured error (NewGenericServerResponse).
    assert out.stderr.strip() == (
        "Error from server (Timeout): the server was unable to return a response in the time "
        "allotted, but may still be processing the request (get secrets s1)")


def test_watches_are_exempt(world):
    plugin, start = world
    server = start("0s")  # every other request ends at once: the deadline is its arrival
    status, _, body = request(server, "GET", "/api/v1/namespaces/default/secrets")
    assert (status, body) == (504, TIMEOUT_BODY)
    status, _, body = request(server, "GET", "/api/v1/namespaces/default/configmaps?watch=true"
                              "&timeoutSeconds=1&timeout=1ms")
    assert status == 200  # the stream, until its own timeoutSeconds
    assert body != TIMEOUT_BODY
    status, _, _ = request(server, "GET", "/api/v1/watch/namespaces/default/secrets"
                           "?timeoutSeconds=1")
    assert status == 200
