"""Running the CLI from the contract tests (the binary is $NEUROTHEORY_CLI; CTest sets it)."""
import json
import os
import subprocess

CLI = os.environ.get("NEUROTHEORY_CLI", "neurotheory")


def run(*args, check=True):
    proc = subprocess.run([CLI, *map(str, args)], capture_output=True, text=True, timeout=300)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def run_json(*args):
    proc = run(*args, "--json")
    lines = proc.stdout.splitlines()
    assert len(lines) == 1, f"--json must print exactly one line, got {proc.stdout!r}"
    return json.loads(lines[0])
