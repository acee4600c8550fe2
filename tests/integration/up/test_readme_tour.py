"""The README's five-minute tour, run as written: the block is extracted, `.kmslab` moved into a
temporary directory, `tools/kmslab` pointed at this build (`up` with --no-build and free ports),
and run with bash from the repository root; so the tour stays true.

`tools/kmslab run` and `tools/kmslab diagnose` come from the runner and detector work: their
lines run when their command is built here, and test_the_tour_commands_are_all_built says when
one is not (a skip, so a failure under CI=true, where everything is built)."""
import re
import subprocess

import pytest

from up_stack import KMSLAB, REPO, build_dir, require_tools, user_env

PREFIX = b"k8s:enc:kms:v2:azurekmsprovider:"


def tour_block():
    text = (REPO / "README.md").read_text()
    section = text.split("## A five-minute tour", 1)[1]
    match = re.search(r"```sh\n(.*?)```", section, re.S)
    assert match, "no sh block in the README's tour"
    return match.group(1)


def missing_commands(build):
    """The tour's commands that are not built in `build`: {command: why}."""
    missing = {}
    if not (build / "scenarios" / "runner" / "kmslab-run").exists():
        missing["run"] = f"{build}/scenarios/runner/kmslab-run is not built"
    if not re.search(r"^\s+diagnose\)", KMSLAB.read_text(), re.M):
        missing["diagnose"] = "tools/kmslab has no diagnose command"
    return missing


def test_the_readme_tour_runs_as_written(request, tmp_path):
    require_tools()
    build = build_dir(request)
    data = tmp_path / "kmslab-data"
    script = tour_block()
    # One command per line: join the backslash continuations.
    lines = script.replace("\\\n", " ").splitlines()
    missing = missing_commands(build)
    kept = []
    for line in lines:
        command = re.match(r"tools/kmslab (\w+)", line)
        if command and command.group(1) in missing:
            continue  # test_the_tour_commands_are_all_built reports it
        kept.append(line)
    body = "\n".join(kept).replace(".kmslab", str(data))
    up = f"tools/kmslab up --no-build --port 0 --build-dir {build} --data-dir {data} "
    body = body.replace("tools/kmslab up ", up)
    # (tools/kmslab takes the command first, then its options.)
    body = re.sub(r"tools/kmslab (run|diagnose) ", rf"tools/kmslab \1 --build-dir {build} ", body)
    # Every wait in the block is bounded by the timeout; the stack stops with the script.
    wrapped = ("set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null; wait' EXIT\n" + body)
    out = subprocess.run(["bash", "-c", wrapped], cwd=REPO, capture_output=True, timeout=300,
                         env=user_env(tmp_path))
    stdout = out.stdout.decode(errors="replace")
    assert out.returncode == 0, stdout[-3000:] + out.stderr.decode(errors="replace")[-3000:]
    assert '"enabled": true' in stdout and '"keyVaultNetworkAccess": "Public"' in stdout
    assert "https://kmslab-demo-kv.vault.azure.net/keys/kek\n" in stdout
    for name in ("db-password", "api-token", "tls-passphrase"):
        assert f"\n{name} " in stdout
    assert PREFIX in out.stdout
    assert "['kek']" in stdout
    assert "kmslab: demo ready in" in stdout
    if "run" not in missing:
        assert re.search(r"kmslab-run: \d+ passed, 0 failed", stdout), stdout[-2000:]
    if "diagnose" not in missing:
        assert "KmsHealthy" in stdout, stdout[-2000:]  # the detector: all is well


def test_the_tour_commands_are_all_built(request):
    missing = missing_commands(build_dir(request))
    if missing:
        pytest.skip("the tour's " + "; ".join(f"`tools/kmslab {c}`: {why}"
                                              for c, why in sorted(missing.items())))
