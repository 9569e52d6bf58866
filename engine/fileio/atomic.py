"""Writing output files in one step, so that a failed or interrupted run never leaves a half-written file.

Every command that writes a file (``run -o``, ``test -o``, ``export -o``, ``fmt``, ``render -o``) goes through
:func:`replacing`: the content is written to a temporary file beside the target, which then takes the target's
permissions (or, for a new file, the ones the user's umask gives any new file: ``mkstemp`` alone would leave it
readable by its owner only) and replaces the target with one ``os.replace``.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator


def _default_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextlib.contextmanager
def replacing(path: str) -> Iterator[str]:
    """Yield a temporary path beside ``path``; when the block succeeds, move it over ``path``; when it fails, remove
    it. Raises OSError (e.g. FileNotFoundError for a missing directory) before the block when no temporary file can
    be made there."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)
    os.close(fd)
    try:
        yield tmp
        try:
            mode = os.stat(path).st_mode & 0o7777
        except FileNotFoundError:
            mode = _default_mode()
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_text(path: str, chunks: Iterable[str] | str) -> None:
    """Write ``chunks`` (a string or pieces of one) to ``path`` in one step (see :func:`replacing`)."""
    with replacing(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as f:
        for chunk in [chunks] if isinstance(chunks, str) else chunks:
            f.write(chunk)
        f.flush()
        os.fsync(f.fileno())
