"""The run report as a browser shows it: kmslab-report renders the sample run
(fixtures/scenarios/run-result-sample.json), headless Chromium loads it from file:// (scripts on,
nothing fetched), and the DOM it built shows the run's counts, the seed id coverage and the failing
step; a screenshot is kept with the build as the test's artefact."""
import json
import subprocess
from pathlib import Path

import pytest

import chromium
import dom

FIXTURE = Path(__file__).resolve().parents[3] / "fixtures" / "scenarios" / "run-result-sample.json"


@pytest.fixture(scope="module")
def page(report_binary, artefacts):
    out = artefacts / "run-result-sample.html"
    result = subprocess.run([str(report_binary), "--json", str(FIXTURE), "--out", str(out)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return out


def rendered(page, tmp_path, fragment=""):
    return dom.parse(chromium.run(tmp_path / "profile", "--dump-dom", page.as_uri() + fragment))


def test_counts_and_coverage(page, tmp_path):
    run = json.loads(FIXTURE.read_text())
    statuses = [s["status"] for s in run["scenarios"]]
    covered = {i for s in run["scenarios"] for i in s["covers"]} & set(run["seed_ids"])
    doc = rendered(page, tmp_path)
    assert doc.by_id("count-total").text() == str(len(statuses))
    for status in ("passed", "failed", "error"):
        assert doc.by_id(f"count-{status}").text() == str(statuses.count(status)), status
    assert doc.by_id("coverage").text() == f"{len(covered)} / {len(run['seed_ids'])}"
    rows = doc.find_all("tr", "seed")
    assert len(rows) == len(run["seed_ids"])
    uncovered = {r.attrs["data-seed"] for r in rows if "st-uncovered" in r.classes}
    assert uncovered == set(run["seed_ids"]) - covered
    assert doc.by_id("verdict").text() == "failed"
    # The script ran (it fills this in) and every scenario is shown before any filter is chosen.
    assert doc.by_id("f-shown").text() == f"showing {len(statuses)} of {len(statuses)} scenarios"


def test_failing_step_is_open_with_its_evidence(page, tmp_path):
    doc = rendered(page, tmp_path)
    failing = doc.find_all("details", "failing")
    assert len(failing) == 1
    step = failing[0]
    assert "open" in step.attrs and "st-failed" in step.classes
    text = step.text()
    for part in ("a new secret is refused", "expect.status: wanted 500, got 201",
                 "POST https://rg-kms-aks1.hcp.eastus.azmk8s.io/api/v1/namespaces/default/secrets",
                 "201 Created", "E0205 00:04:00.310 apiserver failed to encrypt secret"):
        assert part in text, part
    # The log tail holds "<img src=x onerror=alert(1)>": text on the page, never an element.
    assert "<img src=x onerror=alert(1)>" in text
    assert doc.find_all("img") == []
    # The failed scenario is open, the passed ones closed; its timeline shows the +400d jump.
    scenarios = {s.attrs["data-name"]: s for s in doc.find_all("section", "scenario")}
    assert "open" in scenarios["key-expired-v2"].find_all("details")[0].attrs
    assert "open" not in scenarios["vault-purged"].find_all("details")[0].attrs
    jumps = [j.text() for j in scenarios["key-expired-v2"].find_all("th", "jump")]
    assert jumps == ["+400d", "+4m"]


def test_a_link_into_a_closed_scenario_opens_it(page, tmp_path):
    doc = rendered(page, tmp_path, "#sc1-st2")
    assert "open" in doc.by_id("sc1-st2").attrs
    assert "open" in doc.by_id("sc1").find_all("details")[0].attrs


@pytest.mark.parametrize("query, shown", [
    ("?seed=L1", {"key-expired-v2", "vault-purged"}),
    ("?status=failed,error", {"key-expired-v2", "kms-v1-secret-limit"}),
    ("?tag=kms-v2&status=passed", {"rotation-with-migration"}),
    ("?name=PURGED", {"vault-purged"}),
])
def test_filters_from_the_address(page, tmp_path, query, shown):
    doc = rendered(page, tmp_path, query)
    sections = doc.find_all("section", "scenario")
    visible = {s.attrs["data-name"] for s in sections if "hidden" not in s.classes}
    assert visible == shown
    assert doc.by_id("f-shown").text() == f"showing {len(shown)} of {len(sections)} scenarios"
    if "seed=" in query:
        selected = [t.attrs["data-seed"] for t in doc.find_all(cls="selected")]
        assert selected == ["L1", "L1"]  # its tile and its table row
        rows = [r.attrs["data-seed"] for r in doc.find_all("tr", "seed") if "hidden" not in r.classes]
        assert rows == ["L1"]


@pytest.mark.parametrize("name, options, magic", [
    ("run-result-sample.png", ["--window-size=1280,2400", "--screenshot={}"], b"\x89PNG\r\n\x1a\n"),
    ("run-result-sample.pdf", ["--no-pdf-header-footer", "--print-to-pdf={}"], b"%PDF-"),
])
def test_picture_and_print_are_kept(page, artefacts, tmp_path, name, options, magic):
    kept = artefacts / name
    kept.unlink(missing_ok=True)
    chromium.run(tmp_path / "profile", *[o.format(kept) for o in options], page.as_uri())
    data = kept.read_bytes()
    assert data.startswith(magic) and len(data) > 20_000
    print(f"\nreport artefact: {kept} (page: {page})")
