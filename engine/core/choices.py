"""The two kinds of choice set: ``one_of(...)`` (the patient gets exactly one alternative) and ``any_of(...)``
(one or more). An entry's ``one_of`` holds its choice's actions; the kind is the tuple's type, so every reader of
the alternatives reads both kinds alike and only the few places where they differ ask (see :class:`AnyOf`)."""

from __future__ import annotations


class AnyOf(tuple[str, ...]):
    """The actions of an ``any_of(...)`` choice set (the patient may get one or more of them), where a plain tuple
    is a ``one_of(...)`` (exactly one). A tuple, so that everything that reads the alternatives of a choice (results,
    verdicts, figures, overrides) reads both kinds alike; its type is asked only where they differ: whether two
    alternatives may break a ``never_together`` (only an ``any_of``'s may), and the words and JSON key shown."""

    __slots__ = ()


def choice_key(actions: tuple[str, ...]) -> str:
    """The JSON key and the language's word for a choice set's actions: ``any_of`` or ``one_of``."""
    return "any_of" if isinstance(actions, AnyOf) else "one_of"


def exclusive_with(actions: tuple[str, ...], other: str) -> bool:
    """Whether ``other`` is another alternative of the same ``one_of`` choice as an entry whose choice has
    ``actions``: then the patient gets one of the two, never both (an ``any_of``'s may be given together)."""
    return other in actions and not isinstance(actions, AnyOf)
