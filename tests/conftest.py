"""Shared test support: the one way tests run the ``guidegraph`` command line.

``cli`` runs the command line in-process: ``cli("check", path)`` calls ``engine.cli.main.main(["check", path])``
with stdout and stderr captured and returns ``CliResult(code, out, err)`` (a NamedTuple, so ``code, out, err =
cli(...)`` and ``cli(...) == (0, "...", "")`` both work). ``cli.process(...)`` runs the same command in a real
``python -m engine`` process, for what only a process shows: a timeout or memory limit that must stop a
regression instead of hanging the suite, a FIFO, a fresh interpreter (``PYTHONHASHSEED``), the installed entry
point.

Tiers: ``@pytest.mark.slow`` (registered in pyproject.toml) marks the tests that take seconds each: the big
property tests, the 50 MB cohort. ``make test`` (CI) runs everything; ``make test-fast`` (``pytest -m "not slow"``)
is the quick loop.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import NamedTuple

import pytest

from engine.cli.main import main

ROOT = Path(__file__).resolve().parent.parent

class CliResult(NamedTuple):
    """What one ``guidegraph`` command did: its exit code and everything it wrote."""

    code: int
    out: str
    err: str


class Cli:
    """Runs ``guidegraph ARGV...``: in-process by calling it, in a real process with :meth:`process`."""

    def __call__(self, *argv: str) -> CliResult:
        """``main(argv)`` in this process, stdout and stderr captured (they are not printed)."""
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(argv))
        return CliResult(code, out.getvalue(), err.getvalue())

    def process(self, *argv: str, timeout: float = 120, env: Mapping[str, str] | None = None,
                cwd: Path | str = ROOT, preexec_fn: Callable[[], None] | None = None) -> CliResult:
        """``python -m engine ARGV...`` in a child process (working directory ``cwd``, the repository root by
        default; ``env`` replaces the environment when given). Past ``timeout`` seconds the child is killed and
        :class:`subprocess.TimeoutExpired` propagates: a hang fails the test instead of stalling the suite."""
        proc = subprocess.run([sys.executable, "-m", "engine", *argv], cwd=cwd, env=None if env is None else dict(env),
                              capture_output=True, text=True, timeout=timeout, preexec_fn=preexec_fn)
        return CliResult(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture(scope="session")
def cli() -> Cli:
    """The command-line runner (session-scoped: it holds no state, so Hypothesis tests may use it too)."""
    return Cli()
