"""Resolve, compile, evaluate and check guidelines. Knows nothing about any particular disease.

``engine.load(path)`` is the library entry point (see :mod:`engine.evaluate.api`); it is imported lazily so that
``from engine.core import model`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.evaluate.guideline import Guideline


def load(path: str) -> Guideline:
    """Read, parse, resolve and compile a rules file (raises ``engine.core.errors.GuidelineError`` on errors)."""
    from engine.evaluate.api import load as _load
    return _load(path)


__all__ = ["load"]
