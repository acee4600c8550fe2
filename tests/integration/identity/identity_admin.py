"""The emulator's directory admin API and a plain-HTTP client for its managed identity endpoints,
shared by the identity tests."""
import json
import ssl
import urllib.error
import urllib.request


def _open(opener, req):
    try:
        with opener.open(req, timeout=20) as resp:
            return resp.status, dict(resp.headers), resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def admin(server, method, path, body=None, token=None):
    """Calls the HTTPS admin API directly (no proxy); returns (status, parsed body or None)."""
    ctx = ssl.create_default_context(cafile=server.ca)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                         urllib.request.HTTPSHandler(context=ctx))
    req = urllib.request.Request(server.url + path, method=method,
                                 data=json.dumps(body).encode() if body is not None else None)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    status, _, text = _open(opener, req)
    return status, (json.loads(text) if text else None)


def create_identity(server, name, group="kmslab"):
    status, body = admin(server, "POST", "/_kmslab/identity/managed-identities",
                         {"name": name, "resourceGroup": group})
    assert status in (200, 201), body
    return body


def delete_identity(server, name, group="kmslab"):
    status, _ = admin(server, "DELETE", f"/_kmslab/identity/managed-identities/{group}/{name}")
    assert status == 204


def create_sp(server, name="sp"):
    status, body = admin(server, "POST", "/_kmslab/identity/service-principals",
                         {"displayName": name})
    assert status == 201, body
    return body


def mi_request(server, path, method="GET", headers=None, data=None):
    """A plain-HTTP request to the managed identity listener: (status, headers, parsed body)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    req = urllib.request.Request(server.endpoints["imds"] + path, method=method,
                                 data=data.encode() if data is not None else None,
                                 headers=headers or {})
    status, head, text = _open(opener, req)
    return status, head, (json.loads(text) if text else None)
