"""Writing output files in one step, so that a failed or interrupted run never leaves a half-written file.

Every command that writes a file (``run -o``, ``test -o``, ``export -o``, ``fmt``, ``render -o``) goes through
:func:`replacing`. What is written is always a *regular file*:

- a symlink is followed: its target is written (a dangling link creates the file it points at), the link stays;
- anything else that is not a regular file (a device such as ``/dev/null``, a named pipe, a socket, a directory)
  is refused with :class:`Refused`: replacing ``/dev/null`` by a file would damage the machine, and "writing" to
  ``/dev/full`` would report success. Standard output is written by the CLI itself (``-o -``), not through here;
- a read-only file is refused (even for root, who could replace it), so that the read-only bit keeps meaning
  "do not touch": the message says so;
- an existing file keeps its permission bits and its owner and group. The content is written to a temporary file
  beside the target, which takes the target's mode (for a new file: what the umask gives any new file, not
  ``mkstemp``'s owner-only 0600) and owner, and then replaces it with one ``os.replace``. When the owner cannot be
  kept (a non-root user writing a group-writable file of someone else), the file has other hard links, or its
  directory is not writable, the new content is copied into the existing file instead, which keeps all of these
  (but is not atomic).
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator


class Refused(OSError):
    """An output path that must not be written; ``strerror`` says why in words."""


_KINDS = ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a named pipe"),
          (stat.S_ISSOCK, "a socket"))


def _default_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def output_target(path: str) -> tuple[str, os.stat_result | None]:
    """The regular file that writing ``path`` changes (symlinks followed) and its status (None when it does not
    exist yet). Raises :class:`Refused` for what must not be replaced (see the module docstring), and OSError
    for a path that cannot be written at all (a symlink loop, a missing directory...)."""
    if not path:
        raise Refused(errno.EINVAL, "the output path is empty")
    try:
        st = os.stat(path)  # follows symlinks
    except FileNotFoundError:
        real = os.path.realpath(path)
        if not os.path.isdir(os.path.dirname(real) or "."):
            raise FileNotFoundError(errno.ENOENT, "its directory does not exist") from None
        return real, None
    if stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(errno.EISDIR, "it is a directory, not a file")
    if not stat.S_ISREG(st.st_mode):
        kind = next((name for test, name in _KINDS if test(st.st_mode)), "not a regular file")
        raise Refused(errno.EINVAL, f"it is {kind}, not a regular file; only regular files are written "
                      "(use '-o -' to write to standard output)")
    if not st.st_mode & 0o222:
        raise Refused(errno.EACCES, f"it is read-only (mode {stat.filemode(st.st_mode)}); make it writable "
                      "first (chmod u+w) or choose another output")
    if not os.access(path, os.W_OK):
        raise Refused(errno.EACCES, "permission denied: it is read-only for you")
    return os.path.realpath(path), st


def same_file(a: str, b: str) -> bool:
    """Whether paths ``a`` and ``b`` name the same existing file (through links)."""
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


@contextlib.contextmanager
def replacing(path: str) -> Iterator[str]:
    """Yield a temporary path beside the file ``path`` names; when the block succeeds, its content becomes that
    file's; when it fails, it is removed and the target is untouched. Raises :class:`Refused` or OSError before
    the block when ``path`` must not or cannot be written."""
    real, st = output_target(path)
    directory = os.path.dirname(real) or "."
    in_place = False
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(real)}.", suffix=".tmp", dir=directory)
    except PermissionError:
        if st is None:
            raise
        # a writable file in a directory we may not write: prepare the content elsewhere, then copy it in
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(real)}.", suffix=".tmp")
        in_place = True
    os.close(fd)
    try:
        yield tmp
        if st is None:
            os.chmod(tmp, _default_mode())
            os.replace(tmp, real)
            return
        os.chmod(tmp, stat.S_IMODE(st.st_mode))
        in_place = in_place or st.st_nlink > 1
        if not in_place and (st.st_uid, st.st_gid) != (os.getuid(), os.getgid()):
            try:
                os.chown(tmp, st.st_uid, st.st_gid)
            except PermissionError:
                in_place = True
        if in_place:
            with open(tmp, "rb") as src, open(real, "r+b") as dst:
                dst.truncate(0)
                shutil.copyfileobj(src, dst)
                dst.flush()
                os.fsync(dst.fileno())
            os.unlink(tmp)
        else:
            os.replace(tmp, real)
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
