"""Outputs are byte-identical across runs and hash seeds: a guideline group diffs them in review.

Each command runs in a fresh interpreter with a different ``PYTHONHASHSEED`` (set iteration order changes with it),
and the bytes must be the same.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LMS = "rules/lms.rules"

COMMANDS = {
    "run-json": ["run", LMS, "rules/cases", "--format", "json"],
    "check-json": ["check", LMS, "--format", "json"],
    "check-sarif": ["check", LMS, "--format", "sarif"],
    "export-json": ["export", LMS, "--format", "json"],
    "render-dot": ["render", LMS, "-o", "{tmp}/pathway.dot"],
    "render-grayscale-dot": ["render", LMS, "-o", "{tmp}/gray.dot", "--theme", "grayscale"],
}


def _run(args: list[str], seed: str, tmp: Path) -> bytes:
    out_dir = tmp / seed
    out_dir.mkdir(exist_ok=True)
    argv = [a.replace("{tmp}", str(out_dir)) for a in args]
    env = {**os.environ, "PYTHONHASHSEED": seed}
    proc = subprocess.run([sys.executable, "-m", "engine", *argv], cwd=ROOT, env=env, capture_output=True,
                          timeout=120)
    assert proc.returncode in (0, 1), proc.stderr.decode()
    written = [p for p in out_dir.iterdir()]
    return proc.stdout + b"".join(p.read_bytes() for p in sorted(written))


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_byte_identical_across_hash_seeds(name: str, tmp_path: Path) -> None:
    outputs = {seed: _run(COMMANDS[name], seed, tmp_path) for seed in ("0", "1", "12345")}
    first = outputs["0"]
    assert first, "the command printed nothing"
    for seed, out in outputs.items():
        assert out == first, f"{name}: output differs between PYTHONHASHSEED=0 and {seed}"
