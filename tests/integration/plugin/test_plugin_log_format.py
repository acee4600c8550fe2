"""--log-format-json (reference/kms.md §7.1, default false): klog-like text lines without it,
JSON lines with it."""
import json
import re

from keyvault_support import START, VAULT, Vault
from kmslab_harness import Emulator
from plugin_support import Plugin

KLOG = re.compile(r'^[IWE]\d{4} \d\d:\d\d:\d\d\.\d{6} plugin\] "(?P<msg>[^"]*)"(?P<kv>( \w+=.+)?)$')


def start(plugin_binary, emulator_binary, tmp_path, log_json):
    emu = Emulator(emulator_binary, tmp_path / "emu", ["--clock", "manual", "--clock-start", START,
                                                      "--vault", VAULT]).start()
    status, _, key = Vault(emu).request("POST", "/keys/kek/create?api-version=7.4",
                                        {"kty": "RSA", "key_size": 2048})
    assert status == 200, key
    p = Plugin(plugin_binary, tmp_path, emu, key["key"]["kid"].rsplit("/", 1)[1], log_json=log_json)
    return emu, p.start()


def stop(emu, p):
    assert p.stop() == 0, p.log.read_text()
    emu.stop()
    return p.log.read_text().splitlines()


def test_text_lines_by_default(plugin_binary, emulator_binary, tmp_path):
    lines = stop(*start(plugin_binary, emulator_binary, tmp_path, log_json=False))
    assert lines
    for line in lines:
        assert KLOG.match(line), line
        assert not line.startswith("{"), line
    listening = next(l for l in lines if "Listening for connections" in l)
    assert listening.startswith("W") and ' addr="unix://' in listening


def test_json_lines_with_the_flag(plugin_binary, emulator_binary, tmp_path):
    lines = stop(*start(plugin_binary, emulator_binary, tmp_path, log_json=True))
    records = [json.loads(l) for l in lines]
    listening = next(r for r in records if r["msg"] == "Listening for connections")
    assert listening["level"] == "warn" and listening["addr"].startswith("unix://")
