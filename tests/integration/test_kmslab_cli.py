"""tools/kmslab's own options: help that installs and builds nothing, and --sanitize refused
where it would be ignored. apt-get, sudo, cmake and dpkg-query are shadowed on PATH by scripts
that record their calls, so a help that reached tools/setup.sh or the build would be seen."""
import os
import subprocess
from pathlib import Path

import pytest

KMSLAB = Path(__file__).resolve().parents[2] / "tools" / "kmslab"
SHADOWED = ("apt-get", "sudo", "cmake", "ninja", "dpkg-query")


@pytest.fixture
def recorder(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    for tool in SHADOWED:
        script = bin_dir / tool
        script.write_text(f'#!/bin/sh\necho "{tool} $*" >> "{log}"\nexit 1\n')
        script.chmod(0o755)
    return bin_dir, log


def kmslab(recorder, *args):
    bin_dir, _ = recorder
    env = dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}")
    return subprocess.run([str(KMSLAB), *args], capture_output=True, text=True, env=env,
                          timeout=60)


def calls(recorder):
    log = recorder[1]
    return log.read_text() if log.exists() else ""


def test_up_help_without_a_build_installs_and_builds_nothing(recorder, tmp_path):
    out = kmslab(recorder, "up", "--help", "--build-dir", str(tmp_path / "no-build"))
    assert out.returncode == 0, out.stderr
    assert "--data-dir DIR" in out.stdout and "once it is built" in out.stdout
    assert calls(recorder) == ""
    assert not (tmp_path / "no-build").exists()


def test_up_help_prints_the_built_emulators_options(recorder, emulator_binary):
    build_dir = Path(emulator_binary).parent.parent
    out = kmslab(recorder, "up", "-h", "--build-dir", str(build_dir))
    assert out.returncode == 0, out.stderr
    assert "--data-dir DIR" in out.stdout and "--seed" in out.stdout  # kmslab's, then the emulator's
    assert calls(recorder) == ""


@pytest.mark.parametrize("command", ["up", "build", "env"])
def test_sanitize_outside_test_is_an_error(recorder, command):
    out = kmslab(recorder, command, "--sanitize")
    assert out.returncode == 2
    assert "--sanitize applies to 'test' only" in out.stderr
    assert calls(recorder) == ""


def test_test_help_prints_usage_without_building(recorder):
    out = kmslab(recorder, "test", "--help")
    assert out.returncode == 0
    assert "real-client" in out.stdout and "-LE real-client" in out.stdout
    assert calls(recorder) == ""


def test_run_help_builds_nothing(recorder, tmp_path):
    out = kmslab(recorder, "run", "--help", "--build-dir", str(tmp_path / "no-build"))
    assert out.returncode == 0, out.stderr
    assert "tools/kmslab run [PATHS]" in out.stdout  # kmslab's usage: no runner built there
    assert calls(recorder) == ""


def test_run_help_prints_the_built_runners_options(recorder, emulator_binary):
    build_dir = Path(emulator_binary).parent.parent
    if not (build_dir / "scenarios" / "runner" / "kmslab-run").exists():
        pytest.skip("kmslab-run is not built in " + str(build_dir))
    out = kmslab(recorder, "run", "-h", "--build-dir", str(build_dir))
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("Usage: kmslab-run") and "--keep" in out.stdout
    assert calls(recorder) == ""
