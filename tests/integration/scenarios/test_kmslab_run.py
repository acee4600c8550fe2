"""kmslab-run on tiny scenario sets (one stack each, no clusters, so each run takes about a
second): a passing scenario, a failing one (its message, file:line, request and response, the
seed, exit 1), malformed files (FILE:LINE:COL, exit 2, nothing started), --list, --filter,
--junit and --json."""
import json
import re
import signal
import ssl
import subprocess
import time
import urllib.request
import xml.etree.ElementTree as ET

import pytest

FRAGMENT = """\
# A resource group. params: RG
params: [RG]
steps:
  - name: create ${RG}
    arm:
      method: PUT
      path: /subscriptions/${SUBSCRIPTION}/resourcegroups/${RG}
      api_version: "2021-04-01"
      body: {location: eastus}
    expect: {status: [200, 201]}
    capture: {GROUP_ID: /id}
"""

PASSING = """\
name: tiny-pass
description: a group, its id captured in a fragment, the clock moved
covers: [F1]
tags: [tiny]
vars: {RG: rg-tiny}
steps:
  - name: group
    include: {file: fragments/group.yaml}
  - name: read it back by the captured id
    arm: {path: "${GROUP_ID}", api_version: "2021-04-01"}
    expect:
      json: {/name: rg-tiny, /properties/provisioningState: {one_of: [Succeeded]}}
      headers: {x-ms-request-id: {exists: true}}
  - name: a day later
    clock: {advance: 24h}
    expect: {json: {/now: "2026-01-02T00:00:00Z"}}
  - name: a missing group
    arm: {path: "/subscriptions/${SUBSCRIPTION}/resourcegroups/nope", api_version: "2021-04-01"}
    expect: {status: 404, error: {code: ResourceGroupNotFound}}
"""

FAILING = """\
name: tiny-fail
description: expects the wrong status
covers: [L1]
tags: [tiny, broken]
steps:
  - name: the health check
    admin: {path: /_kmslab/health}
    expect: {status: 404}
  - name: never runs
    admin: {path: /_kmslab/health}
"""

LONG = """\
name: tiny-long
description: a long one
covers: [L4]
tags: [long]
steps:
  - name: health
    admin: {path: /_kmslab/health}
"""


def write(tmp_path, files):
    (tmp_path / "fragments").mkdir(exist_ok=True)
    (tmp_path / "fragments" / "group.yaml").write_text(FRAGMENT)
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def run(kmslab_run, *args, timeout=120):
    return subprocess.run([kmslab_run, *map(str, args)], capture_output=True, text=True,
                          timeout=timeout)


def test_a_passing_scenario_exits_0_and_writes_json_and_junit(kmslab_run, tmp_path):
    (tmp_path / "s").mkdir()
    d = write(tmp_path / "s", {"pass.yaml": PASSING})
    out = run(kmslab_run, d, "--json", tmp_path / "r.json", "--junit", tmp_path / "j.xml",
              "--seed", "7")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "PASS  tiny-pass" in out.stdout and "seed 7" in out.stdout
    result = json.loads((tmp_path / "r.json").read_text())
    assert result["seed"] == 7
    [s] = result["scenarios"]
    assert s["status"] == "passed" and s["failed_step"] == -1
    assert [st["status"] for st in s["steps"]] == ["passed"] * 4
    assert s["steps"][0]["name"] == "group / create rg-tiny"
    assert s["steps"][0]["file"].endswith("fragments/group.yaml")
    assert any(e["kind"] == "clock_jump" and "+24h" in e["summary"] for e in s["events"])
    suite = ET.parse(tmp_path / "j.xml").getroot().find("testsuite")
    assert suite.get("tests") == "1" and suite.get("failures") == "0"


def test_a_failing_expectation_fails_with_its_step_request_response_and_seed(kmslab_run, tmp_path):
    d = tmp_path / "s"
    d.mkdir()
    write(d, {"fail.yaml": FAILING, "pass.yaml": PASSING})
    out = run(kmslab_run, d, "-j", "2", "--json", tmp_path / "r.json", "--junit", tmp_path / "j.xml",
              "--report", tmp_path / "r.html", "--work-dir", tmp_path / "work")
    assert out.returncode == 1, out.stdout + out.stderr
    page = (tmp_path / "r.html").read_text()  # the HTML report of the same run (report_chromium
    assert page.startswith("<!DOCTYPE html>") and "tiny-fail" in page and "tiny-pass" in page
    assert "expected status 404, got 200" in page  # renders it in a browser)
    assert "FAIL  tiny-fail" in out.stdout and "PASS  tiny-pass" in out.stdout
    assert f"{d}/fail.yaml:6: step 1 'the health check' (admin) failed" in out.stdout
    assert "expected status 404, got 200" in out.stdout
    assert "GET https://127.0.0.1:" in out.stdout and "HTTP 200" in out.stdout
    assert "emulator.log" in out.stdout  # the log tail
    assert "--seed 20260101" in out.stdout
    result = json.loads((tmp_path / "r.json").read_text())
    failed = next(s for s in result["scenarios"] if s["name"] == "tiny-fail")
    assert failed["status"] == "failed" and failed["failed_step"] == 0
    assert [st["status"] for st in failed["steps"]] == ["failed", "skipped"]
    assert "Authorization: Bearer <redacted>" in failed["steps"][0]["request"]
    assert any(e["kind"] == "error" for e in failed["events"])
    suite = ET.parse(tmp_path / "j.xml").getroot().find("testsuite")
    assert suite.get("tests") == "2" and suite.get("failures") == "1"
    case = next(c for c in suite.iter("testcase") if c.get("name") == "tiny-fail")
    assert "expected status 404" in case.find("failure").get("message")


@pytest.mark.parametrize("text, where, expected", [
    (PASSING.replace("expect: {status: 404,", "expect: {stauts: 404,"), "19:14",
     "expected one of status, error, json, headers, body in expect of a arm step; "
     "got unknown key 'stauts'"),
    (PASSING.replace("clock: {advance: 24h}", "clock: {advance: 24 hours}"), "15:22",
     "expected advance to be a duration such as 500ms, 10s, 4m or 1h30m; got '24 hours'"),
    (PASSING.replace("name: tiny-pass", "name: Tiny"), "1:7",
     "expected name to match [a-z0-9][a-z0-9-]*; got 'Tiny'"),
    (PASSING.replace("fragments/group.yaml", "fragments/none.yaml"), "8:21",
     "expected a fragment file that can be read"),
])
def test_a_malformed_file_names_file_line_column_and_nothing_runs(kmslab_run, tmp_path, text,
                                                                   where, expected):
    write(tmp_path, {"bad.yaml": text})
    out = run(kmslab_run, tmp_path / "bad.yaml", "--work-dir", tmp_path / "work")
    assert out.returncode == 2, out.stdout + out.stderr
    assert f"{tmp_path}/bad.yaml:{where}: {expected}" in out.stderr
    assert not (tmp_path / "work").exists()  # no stack started


def test_list_and_filters(kmslab_run, tmp_path):
    write(tmp_path, {"a.yaml": PASSING, "b.yaml": FAILING, "c.yaml": LONG})

    def names(*args):
        out = run(kmslab_run, tmp_path, "--list", *args)
        assert out.returncode == 0, out.stderr
        return [line.split("\t")[0] for line in out.stdout.splitlines()]

    assert names() == ["tiny-pass", "tiny-fail"]  # long only when named
    assert names("--filter", "tag:broken") == ["tiny-fail"]
    assert names("--filter", "seed:F1", "--filter", "seed:L4") == ["tiny-pass", "tiny-long"]
    assert names("--filter", "tiny-l*") == ["tiny-long"]
    out = run(kmslab_run, tmp_path / "c.yaml", "--list")
    assert out.stdout.startswith("tiny-long\tcovers L4\ttags long\t")


def test_a_run_step_gets_the_stack_environment(kmslab_run, tmp_path):
    scenario = """\
name: tiny-run
description: a command in the stack's environment
covers: [F1]
steps:
  - name: the CA, the proxy and the principal are exported
    run:
      command: 'test -s "$REQUESTS_CA_BUNDLE" && echo "$HTTPS_PROXY $AZURE_CLIENT_ID $GREETING"'
      env: {GREETING: hello}
    expect:
      stdout: {matches: "^http://127.0.0.1:[0-9]+ ${CLIENT_ID} hello"}
    capture: {OUT: {stdout: true}}
  - name: what it printed feeds the next step
    run: {command: ["bash", "-c", "echo \\"$0\\"; exit 3", "${OUT}"]}
    expect: {exit: 3, stdout: {contains: hello}}
"""
    write(tmp_path, {"run.yaml": scenario})
    out = run(kmslab_run, tmp_path / "run.yaml")
    assert out.returncode == 0, out.stdout + out.stderr


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_keep_leaves_the_failed_stack_running_until_interrupted(kmslab_run, tmp_path):
    write(tmp_path, {"fail.yaml": FAILING})
    proc = subprocess.Popen([kmslab_run, str(tmp_path / "fail.yaml"), "--keep", "--work-dir",
                             str(tmp_path / "work")], stdout=subprocess.PIPE, text=True)
    try:
        lines = []
        deadline = time.monotonic() + 60
        while not any("Ctrl-C stops them" in line for line in lines):
            assert time.monotonic() < deadline and proc.poll() is None, "".join(lines)
            lines.append(proc.stdout.readline())
        text = "".join(lines)
        url = re.search(r"URL (https://127\.0\.0\.1:\d+)", text).group(1)
        ca = re.search(r"CA (\S+)", text).group(1)
        pid = int(re.search(r"left running \(pid (\d+)\)", text).group(1))
        assert re.search(r"admin token kmslab-run-[0-9a-f]{32}", text)
        context = ssl.create_default_context(cafile=ca)
        with urllib.request.urlopen(url + "/_kmslab/health", context=context, timeout=10) as r:
            assert r.status == 200  # the stack is still there
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 1
        deadline = time.monotonic() + 10
        while alive(pid):
            assert time.monotonic() < deadline, "the kept emulator outlived the runner"
            time.sleep(0.05)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_the_catalogue_readme_lists_every_scenario_and_they_cover_every_seed_id(kmslab_run):
    """scenarios/README.md's table names each scenario file; together they cover every seed id
    of ../shared/seed/README.md."""
    import re
    from pathlib import Path
    repo = Path(__file__).resolve().parents[3]
    listed = set(re.findall(r"\]\(([a-z0-9-]+\.yaml)\)", (repo / "scenarios/README.md").read_text()))
    files = {p.name for p in (repo / "scenarios").glob("*.yaml")}
    assert listed == files, (sorted(files - listed), sorted(listed - files))
    out = run(kmslab_run, "--list", repo / "scenarios", "--filter", "*", "--filter", "tag:long")
    assert out.returncode == 0, out.stderr
    covered = set(re.findall(r"\b[FNLPRMDVO][0-9]+\b", out.stdout))
    assert SEED_IDS <= covered, sorted(SEED_IDS - covered)
    seed = repo.parent / "shared" / "seed" / "README.md"
    if seed.exists():  # the list above is the seed's, kept here for checkouts without it
        assert set(re.findall(r"^- ([FNLPRMDVO][0-9]+) ", seed.read_text(), re.M)) == SEED_IDS


# Every behaviour id of ../shared/seed/README.md.
SEED_IDS = set("F1 F2 F3 F4 N1 N2 N3 L1 L2 L3 L4 L5 L6 L7 L8 L9 P1 P2 P3 P4 P5 P6 P7 R1 R2 R3 R4 "
               "R5 R6 R7 M1 D1 D2 V1 V2 V3 O1 O2 O3".split())


PURGE = """\
name: tiny-purge
description: an operation whose Location polls answer without a body (a vault purge)
covers: [L1]
vars: {RG: rg-purge}
steps:
  - name: group
    include: {file: fragments/group.yaml}
  - name: a vault
    arm:
      method: PUT
      path: /subscriptions/${SUBSCRIPTION}/resourceGroups/${RG}/providers/Microsoft.KeyVault/vaults/kv-purge
      api_version: "2022-07-01"
      body: {location: eastus, properties: {tenantId: "${TENANT}", sku: {family: A, name: standard},
             accessPolicies: []}}
  - name: deleted
    arm: {method: DELETE, path: "/subscriptions/${SUBSCRIPTION}/resourceGroups/${RG}/providers/Microsoft.KeyVault/vaults/kv-purge", api_version: "2022-07-01"}
  - name: purged, waiting for the operation
    arm:
      method: POST
      path: /subscriptions/${SUBSCRIPTION}/providers/Microsoft.KeyVault/locations/eastus/deletedVaults/kv-purge/purge
      api_version: "2022-07-01"
      wait: true
    expect: {status: [200, 204]}
  - name: gone
    arm: {path: "/subscriptions/${SUBSCRIPTION}/providers/Microsoft.KeyVault/locations/eastus/deletedVaults/kv-purge", api_version: "2022-07-01"}
    expect: {status: 404}
"""


def test_wait_follows_an_operation_whose_polls_have_no_body(kmslab_run, tmp_path):
    d = write(tmp_path, {"purge.yaml": PURGE})
    out = run(kmslab_run, d / "purge.yaml")
    assert out.returncode == 0, out.stdout + out.stderr
