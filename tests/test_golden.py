"""Golden files: every ``tests/golden/**/*.rules`` is run through ``guidegraph check`` and what the user would
see (stdout, stderr and the exit code) is compared with the ``.expected`` file beside it.

The expected files are reviewed as diffs: run ``GOLDEN_UPDATE=1 pytest tests/test_golden.py`` to rewrite them
after an intended change, then read the diff before committing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
CASES = sorted(p.relative_to(ROOT).as_posix() for p in GOLDEN.rglob("*.rules"))


def test_golden_files_exist() -> None:
    assert len([c for c in CASES if c.startswith("tests/golden/semantic/")]) >= 16


@pytest.mark.parametrize("rules", CASES)
def test_golden(rules: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    code = main(["check", rules])
    out = capsys.readouterr()
    actual = out.out + out.err + f"exit: {code}\n"
    expected_path = ROOT / (rules.removesuffix(".rules") + ".expected")
    if os.environ.get("GOLDEN_UPDATE") == "1":
        expected_path.write_text(actual, encoding="utf-8")
        return
    assert expected_path.exists(), f"{expected_path} is missing: run with GOLDEN_UPDATE=1 and review it"
    assert actual == expected_path.read_text(encoding="utf-8")
