"""Headless Debian chromium, one process group per call, killed whatever happens."""
import os
import shutil
import signal
import subprocess

import pytest

TIMEOUT_SECONDS = 90


def binary():
    found = shutil.which("chromium")
    if not found:
        pytest.skip("chromium is not installed (Debian package chromium; tools/setup.sh installs it)")
    return found


def run(profile_dir, *args):
    """Runs chromium --headless with a throwaway profile; returns its stdout."""
    command = [binary(), "--headless", "--disable-gpu", "--no-first-run", "--disable-extensions",
               "--disable-dev-shm-usage", "--hide-scrollbars", f"--user-data-dir={profile_dir}",
               # Its sandbox refuses root and needs user namespaces containers often lack; the page
               # is our own output, opened from a local file with nothing to fetch.
               "--no-sandbox"]
    process = subprocess.Popen(command + list(args), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = process.communicate(timeout=TIMEOUT_SECONDS)
    finally:
        # Its helpers (zygote, GPU, network service) share the group: none may outlive the test.
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()
    assert process.returncode == 0, f"chromium exited {process.returncode}:\n{err[-3000:]}"
    return out
