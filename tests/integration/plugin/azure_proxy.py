"""A small stand-in for the HTTP proxy upstream's --proxy-mode talks to (Azure/kubernetes-kms
pkg/consts: header x-azure-proxy-target, value KeyVault or AzureActiveDirectory): plain HTTP on
loopback, requests as http://<proxy>/<vault host>/<path> (Key Vault, getProxiedVaultURL) or
http://<proxy>/<tenant>/oauth2/token (the cloud's AAD endpoint replaced by the proxy). It checks
the header, forwards over TLS through the emulator's CONNECT proxy to the named Azure host, and
records what it saw. A request without the header gets 400 and goes nowhere."""
import http.client
import http.server
import json
import ssl
import threading
from urllib.parse import urlsplit

HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "host",
              "content-length", "x-azure-proxy-target"}


class AzureProxy:
    def __init__(self, emulator, aad_host="login.microsoftonline.com"):
        self.emu, self.aad_host = emulator, aad_host
        self.seen = []  # (target header or None, method, path, forwarded host)
        self.lock = threading.Lock()
        proxy = urlsplit(emulator.proxy)
        self.connect_to = (proxy.hostname, proxy.port)
        self.tls = ssl.create_default_context(cafile=emulator.ca)
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                outer._serve(self)

            do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def targets(self):
        with self.lock:
            return [s[0] for s in self.seen]

    def _route(self, target, path):
        if target == "KeyVault":
            host, _, rest = path.lstrip("/").partition("/")
            return host, "/" + rest
        if target == "AzureActiveDirectory":
            return self.aad_host, path
        return None, None

    def _serve(self, h):
        body = h.rfile.read(int(h.headers.get("Content-Length") or 0))
        target = h.headers.get("x-azure-proxy-target")
        host, path = self._route(target, h.path)
        with self.lock:
            self.seen.append((target, h.command, h.path, host))
        if host is None:
            return self._answer(h, 400, {"content-type": "application/json"}, json.dumps(
                {"error": f"x-azure-proxy-target must be KeyVault or AzureActiveDirectory, got {target!r}"}).encode())
        conn = http.client.HTTPSConnection(*self.connect_to, timeout=20, context=self.tls)
        try:
            conn.set_tunnel(host, 443)
            headers = {k: v for k, v in h.headers.items() if k.lower() not in HOP_BY_HOP}
            conn.request(h.command, path, body=body, headers={**headers, "Host": host})
            resp = conn.getresponse()
            data = resp.read()
            self._answer(h, resp.status, {k.lower(): v for k, v in resp.getheaders()
                                          if k.lower() not in HOP_BY_HOP}, data)
        except OSError as e:
            self._answer(h, 502, {"content-type": "text/plain"}, f"proxy: {e}".encode())
        finally:
            conn.close()

    @staticmethod
    def _answer(h, status, headers, data):
        h.send_response_only(status)
        for k, v in headers.items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)
