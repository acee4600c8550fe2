"""The skip policy (ci_skips.py): under CI=true a skip fails the run; otherwise it is listed with
its reason; not_applicable() stays a skip. Each case runs pytest on a tiny fixture file in a
subprocess, with the plugin loaded the way every suite loads it (pytest_plugins in conftest).
The JS runner (tests/js/run.mjs, lib/skips.mjs) gets the same check with a fixture test file."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
RUN_MJS = HERE.parent / "js" / "run.mjs"

FIXTURE = '''
import pytest
import ci_skips

def test_passes():
    assert 1 + 1 == 2

def test_needs_a_tool():
    pytest.skip("az CLI is not installed")
'''

NOT_APPLICABLE = '''
import ci_skips

def test_by_design():
    ci_skips.not_applicable("this build serves ARM")
'''

MODULE_SKIP = '''
import pytest
pytest.importorskip("kmslab_no_such_module")

def test_never_collected():
    pass
'''

FIXTURE_SKIP = '''
import pytest

@pytest.fixture
def tool():
    pytest.skip("node is not installed")

def test_uses_tool(tool):
    pass
'''


def run_pytest(tmp_path, source, ci):
    (tmp_path / "pytest.ini").write_text("[pytest]\naddopts = -rs\n")
    (tmp_path / "conftest.py").write_text(
        f"import sys\nsys.path.insert(0, {str(HERE)!r})\npytest_plugins = ['ci_skips']\n")
    (tmp_path / "test_fixture.py").write_text(source)
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci is not None:
        env["CI"] = ci
    out = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider",
                          str(tmp_path / "test_fixture.py")],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    return out.returncode, out.stdout + out.stderr


def test_a_skip_under_ci_true_fails_the_run(tmp_path):
    code, out = run_pytest(tmp_path, FIXTURE, "true")
    assert code == 1, out
    assert "skipped under CI=true: az CLI is not installed" in out
    assert "1 failed, 1 passed" in out


def test_a_skip_outside_ci_is_listed_with_its_reason(tmp_path):
    code, out = run_pytest(tmp_path, FIXTURE, None)
    assert code == 0, out
    assert "SKIPPED [1]" in out and "az CLI is not installed" in out  # -rs


def test_ci_false_is_not_ci(tmp_path):
    code, out = run_pytest(tmp_path, FIXTURE, "false")
    assert code == 0, out


def test_a_skip_in_a_fixture_under_ci_fails(tmp_path):
    code, out = run_pytest(tmp_path, FIXTURE_SKIP, "true")
    assert code == 1, out
    assert "skipped under CI=true: node is not installed" in out


def test_a_module_level_skip_under_ci_fails(tmp_path):
    code, out = run_pytest(tmp_path, MODULE_SKIP, "true")
    assert code != 0, out
    assert "skipped under CI=true" in out and "kmslab_no_such_module" in out


def test_not_applicable_stays_a_skip_under_ci(tmp_path):
    code, out = run_pytest(tmp_path, NOT_APPLICABLE, "true")
    assert code == 0, out
    assert "not applicable: this build serves ARM" in out


JS_FIXTURE = """
import test from "node:test";
test("passes", () => {});
test("needs a tool", { skip: "az CLI is not installed" }, () => {});
"""


def run_js(emulator_binary, tmp_path, ci):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (tools/setup.sh installs Debian's nodejs)")
    tests = tmp_path / "js"
    tests.mkdir()
    (tests / "fixture.test.mjs").write_text(JS_FIXTURE)
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci is not None:
        env["CI"] = ci
    out = subprocess.run([node, str(RUN_MJS), "--emulator", emulator_binary, "--tests", str(tests)],
                         env=env, capture_output=True, text=True, timeout=120)
    return out.returncode, out.stdout + out.stderr


def test_the_js_runner_fails_on_a_skip_under_ci(emulator_binary, tmp_path):
    code, out = run_js(emulator_binary, tmp_path, "true")
    assert code == 1, out
    assert "a failure under CI=true" in out
    assert "SKIPPED fixture.test.mjs: needs a tool: az CLI is not installed" in out.replace(
        str(tmp_path / "js") + "/", "")


def test_the_js_runner_lists_a_skip_outside_ci(emulator_binary, tmp_path):
    code, out = run_js(emulator_binary, tmp_path, None)
    assert code == 0, out
    assert "needs a tool: az CLI is not installed" in out
