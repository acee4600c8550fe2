"""The README's kmslab-apiserver commands, run as written (section "The simulated kube-apiserver"):
the block is extracted, its /tmp/ paths moved into a temporary directory and build/ pointed at
this build, and run with bash; so the README stays true."""
import os
import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def readme_block():
    text = (REPO / "README.md").read_text()
    section = text.split("### The simulated kube-apiserver", 1)[1]
    match = re.search(r"```sh\n(.*?)```", section, re.S)
    assert match, "no sh block in the README's apiserver section"
    return match.group(1)


def test_readme_apiserver_commands_run_as_written(apiserver_binary, mock_plugin_binary, tmp_path,
                                                  kubectl_available):
    build = Path(apiserver_binary).parents[2]
    assert Path(mock_plugin_binary).is_relative_to(build), "the README names build/'s mock plugin"
    script = readme_block().replace("/tmp/", f"{tmp_path}/").replace("build/", f"{build}/")
    # Background jobs stop with the script; every wait in the block is bounded by the timeout.
    wrapped = "set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null; wait' EXIT\n" + script
    out = subprocess.run(["bash", "-c", wrapped], cwd=tmp_path, capture_output=True, timeout=120,
                         env=dict(os.environ, HOME=str(tmp_path)))
    assert out.returncode == 0, out.stderr.decode(errors="replace")
    created = out.stdout.index(b"secret/s1 created\n")
    replaced = out.stdout.index(b"secret/s1 replaced\n", created)
    # The last command prints the stored bytes (binary): KMS v2 under the provider named "mock".
    stored = out.stdout[replaced + len(b"secret/s1 replaced\n"):]
    assert stored.startswith(b"k8s:enc:kms:v2:mock:"), stored[:80]
