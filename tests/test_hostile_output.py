"""Hostile inputs, outputs (issue 22, findings 4, 5 and 7): what ``-o`` and standard output may and may not do.

Outputs never replace anything that is not a regular file (a symlink is written through, a device or a named pipe is
refused), never replace an input of the same command, keep the target's mode and owner, and refuse a read-only
target with a message. A full or closed standard output is exit 2 with a message; a closed pipe (``| head``) is a
clean exit 0 for every command. Subprocess tests run ``python -m engine`` from the repository under test.
"""

from __future__ import annotations

import os
import resource
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
TOY = ROOT / "tests" / "fixtures" / "cases" / "toy.rules"
ROOT_USER = os.geteuid() == 0

_MEASURED = """\
import sys
from engine.cli.main import main
code = main(sys.argv[2:])
with open("/proc/self/status") as status:  # VmHWM: this program's own peak; ru_maxrss would include the memory of
    peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))  # the test process it forked from
with open(sys.argv[1], "w") as f:
    f.write(peak)
raise SystemExit(code)
"""
MEMORY_CAP = 3 * 2**30
"""Address-space limit of a measured child, so that a regression cannot exhaust the machine."""


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def gg(*argv: str, timeout: float = 60, stdout: int | None = subprocess.PIPE, shell_suffix: str | None = None,
       tmp: Path | None = None) -> tuple[int, str, str, int]:
    """Run ``guidegraph ARGV`` in a child process (from the repository under test); returns the exit code, stdout,
    stderr and the peak resident memory in MB (0 when not measured). ``shell_suffix`` runs it through ``bash -c``
    with that text after the command (``'| head -1'``, ``'>&-'``), exit code of guidegraph itself."""
    if shell_suffix is not None:
        words = " ".join(f"'{w}'" for w in ["python", "-m", "engine", *argv])
        script = f"{words.replace(chr(39) + 'python' + chr(39), sys.executable, 1)} {shell_suffix}; " \
                 "exit ${PIPESTATUS[0]}"
        r = subprocess.run(["bash", "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=timeout)
        return r.returncode, r.stdout, r.stderr, 0
    side = (tmp or Path("/tmp")) / f"maxrss-{os.getpid()}.txt"
    r = subprocess.run([sys.executable, "-c", _MEASURED, str(side), *argv], cwd=ROOT, text=True, timeout=timeout,
                       stdout=stdout, stderr=subprocess.PIPE, preexec_fn=_cap_memory)
    peak = int(side.read_text()) // 1024 if side.exists() else 0
    side.unlink(missing_ok=True)
    return r.returncode, r.stdout or "", r.stderr, peak


def _cases(tmp_path: Path, n: int = 3) -> Path:
    path = tmp_path / "cases.csv"
    path.write_text("id,size_cm,grade,site\n" + "".join(f"p{i},{i % 20},{i % 3 + 1},extremity\n" for i in range(n)))
    return path


def test_o_through_a_symlink_writes_its_target(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "real.txt"
    target.write_text("REAL TARGET")
    link = tmp_path / "link.txt"
    link.symlink_to("real.txt")
    assert main(["run", str(TOY), str(_cases(tmp_path)), "-o", str(link)]) == 0
    assert link.is_symlink() and os.readlink(link) == "real.txt"
    assert target.read_text().startswith("Case p0")


def test_o_through_a_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "link.txt"
    link.symlink_to("made.txt")
    assert main(["run", str(TOY), str(_cases(tmp_path)), "-o", str(link)]) == 0
    assert link.is_symlink() and (tmp_path / "made.txt").read_text().startswith("Case p0")


def test_fmt_formats_the_file_a_symlink_names(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "target.rules"
    target.write_text('guideline   "T"\n\ninput x: bool\n')
    link = tmp_path / "link.rules"
    link.symlink_to("target.rules")
    assert main(["fmt", str(link)]) == 0
    assert link.is_symlink()
    assert target.read_text() == 'guideline "T"\n\ninput x: bool\n'


def test_a_named_pipe_is_not_replaced(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    assert main(["run", str(TOY), str(_cases(tmp_path)), "-o", str(fifo)]) == 2
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    err = capsys.readouterr().err
    assert "error[E902]" in err and "named pipe, not a regular file" in err and "-o -" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cases.csv", "out.fifo"]


@pytest.mark.skipif(not ROOT_USER, reason="making device nodes needs root")
@pytest.mark.parametrize("minor", [3, 7], ids=["null", "full"])
def test_a_device_is_not_replaced(minor: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A private copy of /dev/null (1, 3) and /dev/full (1, 7): the real ones are never touched by the suite."""
    dev = tmp_path / "dev"
    os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, minor))
    for argv in (["run", str(TOY), str(_cases(tmp_path)), "-o", str(dev)],
                 ["export", str(TOY), "-o", str(dev)], ["test", str(TOY), str(_cases(tmp_path)), "-o", str(dev)]):
        assert main(argv) == 2
        assert stat.S_ISCHR(dev.lstat().st_mode) and dev.lstat().st_rdev == os.makedev(1, minor)
        assert "character device, not a regular file" in capsys.readouterr().err


def test_o_dash_is_standard_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", str(TOY), "-o", "-"]) == 0
    assert capsys.readouterr().out.startswith("{")
    assert not (ROOT / "-").exists()


@pytest.mark.parametrize("command", ["run", "export"])
def test_an_empty_output_path_is_refused(command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["run", str(TOY), str(_cases(tmp_path))] if command == "run" else ["export", str(TOY)]
    assert main([*argv, "-o", ""]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "error[E902]: cannot write '': the output path is empty" in err


def test_a_read_only_target_is_refused_with_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "ro.txt"
    target.write_text("keep me")
    target.chmod(0o444)
    assert main(["run", str(TOY), str(_cases(tmp_path)), "-o", str(target)]) == 2
    assert "read-only" in capsys.readouterr().err
    assert target.read_text() == "keep me" and stat.S_IMODE(target.stat().st_mode) == 0o444
    rules = tmp_path / "ro.rules"
    rules.write_text('guideline   "T"\n')
    rules.chmod(0o444)
    assert main(["fmt", str(rules)]) == 2
    assert "read-only" in capsys.readouterr().err and rules.read_text() == 'guideline   "T"\n'


def test_a_target_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")
    target.chmod(0o640)
    assert main(["run", str(TOY), str(_cases(tmp_path)), "-o", str(target)]) == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o640 and target.read_text().startswith("Case")


@pytest.mark.skipif(not ROOT_USER, reason="giving a file to another user needs root")
def test_a_target_keeps_its_owner(tmp_path: Path) -> None:
    target = tmp_path / "theirs.rules"
    target.write_text('guideline   "T"\n')
    os.chown(target, 65534, 65534)
    target.chmod(0o664)
    assert main(["fmt", str(target)]) == 0
    st = target.stat()
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (65534, 65534, 0o664)
    assert target.read_text() == 'guideline "T"\n'


def test_a_hard_linked_target_stays_linked(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")
    other = tmp_path / "other-name.txt"
    os.link(target, other)
    assert main(["export", str(TOY), "-o", str(target)]) == 0
    assert other.read_text() == target.read_text() and target.read_text().startswith("{")


@pytest.mark.parametrize("command", ["run", "test", "export"])
def test_an_input_is_never_overwritten(command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = tmp_path / "victim.rules"
    rules.write_text(TOY.read_text())
    cases = _cases(tmp_path)
    before = rules.read_text(), cases.read_text()
    argv = {"run": ["run", str(rules), str(cases), "-o", str(cases)],
            "test": ["test", str(rules), str(tmp_path), "-o", str(cases)],
            "export": ["export", str(rules), "-o", str(tmp_path / "." / "victim.rules")]}[command]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "error[E902]" in err and "one of this command's inputs" in err
    assert (rules.read_text(), cases.read_text()) == before


def test_an_input_reached_through_a_symlink_is_not_overwritten(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    cases = _cases(tmp_path)
    (tmp_path / "alias.csv").symlink_to(cases)
    before = cases.read_text()
    assert main(["run", str(TOY), str(cases), "-o", str(tmp_path / "alias.csv")]) == 2
    assert cases.read_text() == before


def test_full_standard_output_is_exit_2_with_a_message(tmp_path: Path) -> None:
    cases = _cases(tmp_path)
    with open("/dev/full", "w") as full:
        for argv in (["check", str(TOY)], ["run", str(TOY), str(cases)], ["export", str(TOY)]):
            code, _, err, _ = gg(*argv, stdout=full.fileno(), tmp=tmp_path)
            assert code == 2, (argv, err)
            assert "error[E902]: cannot write standard output: No space left on device" in err
            assert "internal error" not in err and "None" not in err


@pytest.mark.parametrize("command", ["check", "run"])
def test_closed_standard_output_is_exit_2_with_a_message(command: str, tmp_path: Path) -> None:
    argv = ["check", str(TOY)] if command == "check" else ["run", str(TOY), str(_cases(tmp_path))]
    code, _, err, _ = gg(*argv, shell_suffix=">&-")
    assert code == 2, err
    assert "cannot write standard output" in err and "internal error" not in err


@pytest.mark.parametrize("command", ["check", "run", "test", "export", "fmt"])
def test_a_closed_pipe_is_a_clean_exit_0(command: str, tmp_path: Path) -> None:
    big = _cases(tmp_path, 3000)  # a report far larger than a pipe's buffer
    rules = tmp_path / "ugly.rules"
    # every line needs reformatting, so that fmt --check's diff (about 120 KB) is larger than a pipe's buffer
    rules.write_text("\n".join(["guideline   \"T\""] + [f"input   x{i}:   bool" for i in range(3000)]) + "\n")
    argv = {"check": ["check", str(ROOT / "rules" / "lms.rules")], "run": ["run", str(TOY), str(big)],
            "test": ["test", str(TOY), str(big)], "export": ["export", str(ROOT / "rules" / "lms.rules")],
            "fmt": ["fmt", "--check", str(rules)]}[command]
    code, _, err, _ = gg(*argv, shell_suffix="| head -c 10 >/dev/null")
    # quiet, and never exit 2 or 3: 0 when the closed pipe was seen, or the command's own findings code (test
    # with failures, fmt --check on a file not in canonical form) when the pipe took the whole output in time
    assert (code, err) == (0, "") or (command in ("test", "fmt") and code == 1 and err == ""), (code, err)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["TERM", "HUP"])
def test_a_terminated_run_leaves_the_target_and_no_temporary_file(sig: signal.Signals, tmp_path: Path) -> None:
    """W01/W02: SIGTERM or SIGHUP while ``-o`` is being written: the target keeps its old content and the hidden
    temporary file beside it is removed (``kill -9`` cannot be handled by any program)."""
    cohort = _cases(tmp_path, 100_000)
    target = tmp_path / "target.txt"
    target.write_text("old")
    child = subprocess.Popen([sys.executable, "-m", "engine", "run", str(TOY), str(cohort), "-o", str(target)],
                             cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".target.txt.*.tmp")) and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    if child.poll() is not None:
        pytest.skip("the run finished before it could be interrupted")
    child.send_signal(sig)
    assert child.wait(timeout=60) == 128 + sig
    assert target.read_text() == "old"
    assert not list(tmp_path.glob(".target.txt.*"))
