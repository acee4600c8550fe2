"""The skip policy of every pytest suite (loaded by each suite's conftest through pytest_plugins).

A skip hides a regression as well as a failure does, so under CI=true (the value GitHub Actions,
GitLab and .ci/run set) a skipped test is reported as failed: every tool a test needs (az,
python3-azure, node, unshare, root for the disk-full test, the emulator's ARM endpoints) is
installed or built by tools/setup.sh and the build, so on CI a skip means something is missing.
A test that does not apply by design (not for want of a tool) says so with not_applicable(),
which stays a skip everywhere. Skips are always listed with their reason (pytest -rs, from each
suite's pytest.ini and command line). tests/js/lib/skips.mjs applies the same rule to the JS suite.
"""
import os

import pytest

_Skipped = pytest.skip.Exception


def ci_is_on(environ=None):
    """True under CI=true (or 1, any case): then a skip is a failure."""
    return (environ if environ is not None else os.environ).get("CI", "").lower() in ("true", "1")


class NotApplicable(_Skipped):
    """A skip that is not for want of a tool: allowed under CI=true too."""


def not_applicable(reason):
    """Skips the current test because it does not apply to this build or setup, by design."""
    raise NotApplicable(msg=f"not applicable: {reason}")


def _failed_message(reason):
    return (f"skipped under CI=true: {reason}\n(tools/setup.sh installs every tool the tests need, "
            "so on CI a skip is a failure; use ci_skips.not_applicable() for a test that does not "
            "apply by design)")


def _reason(longrepr):
    # A skip's longrepr is (path, lineno, "Skipped: reason").
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not (report.skipped and ci_is_on()) or hasattr(report, "wasxfail"):
        return
    if call.excinfo is not None and call.excinfo.errisinstance(NotApplicable):
        return
    report.outcome = "failed"
    report.longrepr = _failed_message(_reason(report.longrepr))


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and ci_is_on():  # a module-level skip (pytest.importorskip, ...)
        report.outcome = "failed"
        report.longrepr = _failed_message(_reason(report.longrepr))
