"""Reading the text files a user points us at, with an upper bound.

A path can name something that never ends (``/dev/zero``, a named pipe, a symlink to either): reading it whole
would hang and then exhaust memory. Every input file is therefore read with a limit, far above any real rules or
case file, and a larger one is refused with a clear reason instead.
"""

from __future__ import annotations

import errno
import os
import stat

RULES_LIMIT = 4 * 2**20
"""Characters in a rules file: lms.rules is about 25,000; a generated 10,000-rule guideline about 830,000. Reading
and checking takes up to about 9 s per MB (50,000 one-rule sections in 3 MB: 26 s), so this keeps any file within
about 40 s."""

CASES_LIMIT = 256 * 2**20
"""Characters in one cohort CSV (about 1.6 million rows of the LMS inputs; 100,000 rows run in about 5 s)."""

DOCUMENT_LIMIT = 16 * 2**20
"""Characters in one YAML or JSON case file. These are read with the position of every value (for messages), at
about 2 s and 130 MB per MB; a CSV cohort is the format for large sets of patients."""


class Refused(OSError):
    """A path that is not a readable text file of sensible size; ``strerror`` says why in words."""


def read_text(path: str, limit: int, *, encoding: str = "utf-8-sig", newline: str | None = None) -> str:
    """The whole text of ``path``, or :class:`Refused` past ``limit`` characters (other errors as ``open``). A
    named pipe is refused before opening: opening one with no writer blocks forever."""
    if stat.S_ISFIFO(os.stat(path).st_mode):
        raise Refused(errno.ESPIPE, "it is a named pipe, not a file")
    with open(path, encoding=encoding, newline=newline) as f:
        text = f.read(limit + 1)
    if len(text) > limit:
        raise Refused(errno.EFBIG, f"it is larger than {limit // 2**20} MB, the most read from this kind of file")
    return text
