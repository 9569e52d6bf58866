"""A path that never ends (/dev/zero, here through a symlink with a case-file name) is refused, not read forever."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")


def test_a_named_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.rules"
    os.mkfifo(fifo)
    proc = subprocess.run([sys.executable, "-m", "engine", "check", str(fifo)], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2 and "named pipe" in proc.stdout + proc.stderr


@pytest.mark.parametrize("kind", ["check", "fmt", "run"])
def test_endless_input_is_refused(kind: str, tmp_path: Path) -> None:
    link = tmp_path / ("cases.yaml" if kind == "run" else "endless.rules")
    link.symlink_to("/dev/zero")
    args = ["run", "rules/lms.rules", str(link)] if kind == "run" else [kind, str(link)]
    proc = subprocess.run([sys.executable, "-m", "engine", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 2
    report = proc.stdout + proc.stderr  # check's report is its output; run and fmt print nothing on stdout
    assert "larger than" in report and str(link) in report
    if kind != "check":
        assert proc.stdout == ""
