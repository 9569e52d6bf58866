"""The library entry point: a rules file in, a :class:`~engine.evaluate.guideline.Guideline` ready to run out.

>>> import engine
>>> g = engine.load("rules/lms.rules")                          # doctest: +SKIP
>>> g.evaluate({"extent": "localized", "grade": 3}).to_dict()   # doctest: +SKIP

Errors never escape as tracebacks of our code: every problem with the file is a diagnostic, collected into one
:class:`~engine.core.errors.GuidelineError` (``.diagnostics``, ``.sources``, ``str()`` renders them with excerpts).
"""

from __future__ import annotations

from dsl.diagnostics import Diagnostic, has_errors
from engine.compile.compiler import GraphTooLarge, compile
from engine.core.errors import GuidelineError
from engine.evaluate.guideline import Guideline
from engine.resolve.pipeline import load_model


def too_large(e: GraphTooLarge) -> Diagnostic:
    """The ``E501`` diagnostic for a diagram past the node limit (:meth:`GraphTooLarge.diagnostic`)."""
    return e.diagnostic()


def load(path: str) -> Guideline:
    """Read, parse, resolve and compile ``path``; raises :class:`GuidelineError` on any error diagnostic."""
    model, diagnostics, sources = load_model(path)
    if model is None or has_errors(diagnostics):
        raise GuidelineError([d for d in diagnostics if d.severity == "error"], sources)
    try:
        g = Guideline(compile(model))
    except GraphTooLarge as e:
        raise GuidelineError([too_large(e)], sources) from None
    prepare(g)
    return g


def prepare(g: Guideline) -> None:
    """Generate the fast evaluation path and the facts checker now rather than on the first case: the evaluator
    leaves both to the first evaluation (commands that never evaluate skip them), but a loaded guideline is about
    to evaluate, and its first case should not pay for code generation or for the checker's set-up."""
    g.evaluator.prepare()
    g.check_facts({})
