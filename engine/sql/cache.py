"""A disk cache for the SQL text of a guideline's queries.

Why: building the LMS query with sqlglot and printing it takes about 1 s (of which 0.2 s is the decision DAG the
text is printed from), on every run of a command that takes a few seconds on a large cohort. The text is a pure
function of that DAG (its nodes, the variables' branches, the units, lets and overriders), of this package's
query code and of sqlglot's version: the key is a digest of all of them, so a changed guideline, compiler or
printer can never reuse a stale text. The cache lives in ``$GUIDEGRAPH_CACHE`` or ``$XDG_CACHE_HOME/guidegraph``
(``~/.cache/guidegraph``); it is an optimisation only: an unreadable or unwritable cache is ignored.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

from engine.fileio.atomic import write_text
from engine.sql.query import Query

_CODE = [Path(__file__).with_name(n) for n in ("query.py", "plan.py", "cache.py", "cells.py")]


def cache_dir() -> Path:
    found = os.environ.get("GUIDEGRAPH_CACHE")
    if found:
        return Path(found)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "guidegraph"


def digest(q: Query) -> str:
    """What the text of ``q``'s queries depends on, hashed."""
    h = hashlib.sha256()
    for part in (repr(q.dag.items), repr(q.g.vars), repr([(u.unit, u.name, u.node) for u in q.units]),
                 repr(q.lets), repr(q.assume), repr(sorted(q.over_bits.items())), repr(q.inputs), repr(q.cells),
                 repr([r.name for r in q.g.model.rules]), version("sqlglot")):
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    for path in _CODE:
        try:
            h.update(path.read_bytes())
        except OSError:
            h.update(b"?")
    return h.hexdigest()[:32]


def cached(q: Query, name: str, make: Callable[[], str]) -> str:
    """The text ``make()`` returns for ``q``, from the cache when it is there (``name`` tells the queries of one
    guideline apart: dialect and purpose)."""
    path = cache_dir() / f"{digest(q)}-{name}.sql"
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        pass
    text = make()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text(str(path), text)
    except OSError:
        pass
    return text
