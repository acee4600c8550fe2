"""Starting kmslab-kms-plugin against an emulator, and a grpcio client whose stubs are generated
from proto/ at test time (independent of the C++ stubs)."""
import hashlib
import importlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from kmslab_harness import wait_for

REPO = Path(__file__).resolve().parents[3]
TENANT = "6f2a3b4c-5d6e-4f70-8192-a3b4c5d6e7f8"


def generate_stubs(out_dir):
    """protoc --python_out/--grpc_out for both KMS APIs; returns the imported modules."""
    out_dir = Path(out_dir)
    protos = ["kms/v1beta1/api.proto", "kms/v2/api.proto"]
    subprocess.run(["protoc", "-I", str(REPO / "proto"), f"--python_out={out_dir}",
                    f"--grpc_out={out_dir}", "--plugin=protoc-gen-grpc=/usr/bin/grpc_python_plugin",
                    *protos], check=True)
    for pkg in ("kms", "kms/v1beta1", "kms/v2"):
        (out_dir / pkg / "__init__.py").touch()
    sys.path.insert(0, str(out_dir))
    mods = {name: importlib.import_module(name) for name in
            ("kms.v1beta1.api_pb2", "kms.v1beta1.api_pb2_grpc", "kms.v2.api_pb2", "kms.v2.api_pb2_grpc")}
    return mods


class Plugin:
    """One kmslab-kms-plugin process on a Unix socket."""

    def __init__(self, binary, workdir, emulator, key_version, azure=None, extra=(), env=None,
                 vault="myvault", key="kek", socket_name="kms.sock", log_json=True, managed_hsm=False):
        self.binary, self.workdir, self.emu = binary, Path(workdir), emulator
        self.socket = self.workdir / socket_name
        self.azure = azure or {"tenantId": TENANT, "aadClientId": "plugin-tests", "aadClientSecret": "s3cret-value"}
        self.args = ["--listen-addr", f"unix://{self.socket}", "--keyvault-name", vault, "--key-name", key,
                     "--key-version", key_version, "--config-file-path", str(self.workdir / "azure.json"),
                     "--ca-bundle", emulator.ca, "--healthz-port", "0", "--metrics-addr", "0",
                     *(["--log-format-json"] if log_json else []),
                     *(["--managed-hsm"] if managed_hsm else []), *extra]
        self.env = {"PATH": os.environ.get("PATH", ""), "HTTPS_PROXY": emulator.proxy, **(env or {})}
        suffix = "managedhsm.azure.net" if managed_hsm else "vault.azure.net"
        self.key_url = f"https://{vault}.{suffix}/keys/{key}/{key_version}"
        self.proc = None
        self.log = self.workdir / "plugin.log"

    @property
    def key_id(self):
        return hashlib.sha256(self.key_url.encode()).hexdigest()

    def start(self, wait=True):
        (self.workdir / "azure.json").write_text(json.dumps(self.azure))
        self.log_file = open(self.log, "wb")  # one run per log: readiness reads it
        self.proc = subprocess.Popen([self.binary, *self.args], env=self.env, stdout=self.log_file,
                                     stderr=self.log_file)
        if wait:
            def up():
                if self.proc.poll() is not None:
                    raise AssertionError(f"plugin exited {self.proc.returncode}: {self.log.read_text()}")
                return "Listening for connections" in self.log.read_text()
            wait_for(up, "plugin socket")
        return self

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=20)
        self.log_file.close()
        return self.proc.returncode
