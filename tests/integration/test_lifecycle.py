"""Process lifecycle: flags, help, shutdown, restart, state that survives it."""
import json
import signal
import subprocess

from kmslab_harness import Emulator


def test_help_lists_every_flag_with_its_default(emulator_binary):
    out = subprocess.run([emulator_binary, "--help"], capture_output=True, text=True)
    assert out.returncode == 0
    for flag in ["--data-dir", "--port", "--proxy-port", "--plain-http", "--store", "--host-name",
                 "--clock", "--clock-start", "--seed", "--log-level", "--log-file", "--threads",
                 "--max-header-bytes", "--max-body-bytes", "--read-timeout", "--endpoints-file"]:
        assert flag in out.stdout, flag
    assert "(=8443)" in out.stdout and "(=info)" in out.stdout


def test_bad_flags_exit_2_with_a_message(emulator_binary):
    for args in [["--no-such-flag"], ["--clock", "sideways"], ["--clock-start", "yesterday"],
                 ["--port", "70000"], ["--read-timeout", "soon"], ["--log-level", "loud"]]:
        out = subprocess.run([emulator_binary, *args], capture_output=True, text=True)
        assert out.returncode == 2, args
        assert out.stderr.startswith("kmslab-emulator: "), out.stderr


def test_unusable_data_dir_or_store_exit_1_with_a_message(emulator_binary, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    out = subprocess.run([emulator_binary, "--data-dir", str(blocker / "sub"), "--port", "0"],
                         capture_output=True, text=True)
    assert out.returncode == 1 and str(blocker) in out.stderr
    out = subprocess.run([emulator_binary, "--data-dir", str(tmp_path / "d"), "--port", "0",
                          "--store", "postgres://x"], capture_output=True, text=True)
    assert out.returncode == 1 and "unknown store" in out.stderr


def test_port_in_use_is_a_clear_error(emulator, emulator_binary, tmp_path):
    out = subprocess.run([emulator_binary, "--data-dir", str(tmp_path / "second"),
                          "--port", str(emulator.port())], capture_output=True, text=True)
    assert out.returncode == 1
    assert "in use" in out.stderr.lower()


def test_sigterm_and_sigint_stop_cleanly(emulator_binary, tmp_path):
    for sig in (signal.SIGTERM, signal.SIGINT):
        emu = Emulator(emulator_binary, tmp_path / f"d{int(sig)}").start()
        assert emu.stop(sig) == 0
        assert not (emu.data_dir / "endpoints.json").exists()
        out = emu.proc.stdout.read()
        assert "ready" in out and emu.ca in out


def test_virtual_time_and_ca_survive_restart(emulator_binary, tmp_path):
    args = ["--clock", "manual", "--clock-start", "2026-01-01T00:00:00Z"]
    emu = Emulator(emulator_binary, tmp_path / "d", args).start()
    ca_before = open(emu.ca).read()
    status, _, _ = emu.curl("/_kmslab/clock", "-d", '{"advance":"400d"}')
    assert status == 200
    emu.stop(signal.SIGKILL)  # acknowledged writes survive kill -9
    emu = Emulator(emulator_binary, tmp_path / "d", ["--clock", "manual"]).start()
    try:
        _, _, body = emu.curl("/_kmslab/clock")
        assert json.loads(body)["now"] == "2027-02-05T00:00:00Z"
        assert open(emu.ca).read() == ca_before
    finally:
        assert emu.stop() == 0


def test_admin_token_guards_admin_changes(emulator_binary, tmp_path):
    emu = Emulator(emulator_binary, tmp_path / "a", ["--admin-token", "s3cret", "--clock", "manual"]).start()
    try:
        status, _, body = emu.curl("/_kmslab/clock", "-d", '{"advance":"1d"}')
        assert status == 401 and "--admin-token" in json.loads(body)["error"]["message"]
        status, _, _ = emu.curl("/_kmslab/clock", "-d", '{"advance":"1d"}', "-H", "Authorization: Bearer s3cret")
        assert status == 200
        assert emu.curl("/_kmslab/health")[0] == 200  # reads stay open
    finally:
        assert emu.stop() == 0
