"""kmslab-report's command line: what it says for a missing or malformed file, and that a failed
run writes nothing."""
import subprocess

import pytest


def report(binary, *args):
    return subprocess.run([str(binary), *map(str, args)], capture_output=True, text=True,
                          timeout=60)


@pytest.mark.parametrize("content, message", [
    (None, "cannot read"),
    ('{"seed":', "not JSON"),
    ("[]", "not a run result: the top level is array"),
    ('{"scenarios":{}}', "not a run result"),
    ('{"seed":1e30}', "the number 1e+30 at /seed is out of range"),
])
def test_bad_input_is_named_and_writes_nothing(report_binary, tmp_path, content, message):
    source, out = tmp_path / "run.json", tmp_path / "report.html"
    if content is not None:
        source.write_text(content)
    result = report(report_binary, "--json", source, "--out", out)
    assert result.returncode == 1
    assert str(source) in result.stderr and message in result.stderr, result.stderr
    assert not out.exists()


@pytest.mark.parametrize("args, message", [
    ([], "--json RUN.json is required"),
    (["--json", "x.json"], "--out REPORT.html is required"),
    (["--json"], "--json needs a file"),
    (["--html", "x"], "unknown argument --html"),
])
def test_usage_errors(report_binary, args, message):
    result = report(report_binary, *args)
    assert result.returncode == 2 and message in result.stderr and "usage:" in result.stderr


def test_writes_the_page(report_binary, tmp_path):
    source, out = tmp_path / "run.json", tmp_path / "report.html"
    source.write_text('{"seed":3,"scenarios":[{"name":"a","status":"passed"}]}')
    result = report(report_binary, "--json", source, "--out", out)
    assert result.returncode == 0, result.stderr
    assert f"wrote {out} (1 scenario)" in result.stdout
    assert out.read_text().startswith("<!DOCTYPE html>")
