"""Output files: written in one step, with the permissions a user expects (not mkstemp's owner-only 0600)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from engine.cli.main import main
from engine.fileio.atomic import replacing, write_text

ROOT = Path(__file__).resolve().parent.parent


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_file_gets_the_umask_default(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_text(str(tmp_path / "a.txt"), ["x", "y"])
    finally:
        os.umask(old)
    assert (tmp_path / "a.txt").read_text() == "xy"
    assert _mode(tmp_path / "a.txt") == 0o644


def test_existing_file_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "b.txt"
    target.write_text("old")
    target.chmod(0o600)
    write_text(str(target), "new")
    assert target.read_text() == "new" and _mode(target) == 0o600


def test_a_failure_leaves_the_target_and_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "c.txt"
    target.write_text("kept")
    with pytest.raises(RuntimeError), replacing(str(target)) as tmp:
        Path(tmp).write_text("half")
        raise RuntimeError("interrupted")
    assert target.read_text() == "kept"
    assert [p.name for p in tmp_path.iterdir()] == ["c.txt"]


@pytest.mark.parametrize("args", [["run", "rules/lms.rules", "rules/cases/workup.yaml", "-o", "{out}/r.json",
                                   "--format", "json"],
                                  ["export", "rules/lms.rules", "--format", "json", "-o", "{out}/e.json"],
                                  ["render", "rules/lms.rules", "-o", "{out}/f.dot"]])
def test_command_outputs_are_readable_by_others(args: list[str], tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    old = os.umask(0o022)
    try:
        assert main([a.replace("{out}", str(tmp_path)) for a in args]) == 0
    finally:
        os.umask(old)
    (written,) = list(tmp_path.iterdir())
    assert _mode(written) == 0o644


def test_a_writable_file_in_an_unwritable_directory_is_written_in_place(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """No temporary file can be made beside the target (its directory is not writable): the content is prepared
    elsewhere and copied into the file, which keeps its inode, mode and owner."""
    import tempfile

    target = tmp_path / "t.txt"
    target.write_text("old")
    target.chmod(0o640)
    inode = target.stat().st_ino
    real_mkstemp = tempfile.mkstemp

    def mkstemp(*args: object, dir: str | None = None, **kwargs: object) -> tuple[int, str]:
        if dir == str(tmp_path):
            raise PermissionError(13, "Permission denied")
        return real_mkstemp(*args, dir=dir, **kwargs)  # type: ignore[call-overload, no-any-return]

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    write_text(str(target), "new")
    assert target.read_text() == "new" and target.stat().st_ino == inode and _mode(target) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["t.txt"]
    with pytest.raises(PermissionError):  # a new file cannot be made there at all
        write_text(str(tmp_path / "new.txt"), "x")
