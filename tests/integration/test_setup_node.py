"""tools/setup.sh and Node.js: Debian's nodejs and npm are added when there is no node at all; a
node from elsewhere (not Debian's package: nodesource, nvm, /usr/local) is left alone, since
Debian's npm conflicts with it. --print-missing shows the decision without installing."""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

SETUP = Path(__file__).resolve().parents[2] / "tools" / "setup.sh"
TOOLS = ("bash", "readlink", "id")


@pytest.fixture
def bare_path(tmp_path):
    """A PATH with only what setup.sh needs, no node, and a dpkg-query that knows no nodejs or
    npm package (whatever this machine has installed)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in TOOLS:
        (bin_dir / tool).symlink_to(shutil.which(tool))
    real = shutil.which("dpkg-query")
    (bin_dir / "dpkg-query").write_text(
        "#!/bin/sh\n"
        'for a in "$@"; do case "$a" in nodejs|npm) exit 1 ;; esac; done\n'
        f'exec {real} "$@"\n')
    (bin_dir / "dpkg-query").chmod(0o755)
    return bin_dir


def missing(bin_dir):
    out = subprocess.run([str(SETUP), "--print-missing"], capture_output=True, text=True,
                         env={"PATH": str(bin_dir)}, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_no_node_adds_debian_nodejs_and_npm(bare_path):
    packages = missing(bare_path)
    assert "nodejs" in packages and "npm" in packages


def test_a_node_from_elsewhere_is_left_alone(bare_path):
    # (The nodesource case, a nodejs package whose version says nodesource, is the same rule.)
    node = bare_path / "node"  # owned by no Debian package
    node.write_text("#!/bin/sh\necho v20.0.0\n")
    node.chmod(0o755)
    packages = missing(bare_path)
    assert "nodejs" not in packages and "npm" not in packages
