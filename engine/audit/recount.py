"""The audit on the Python path: the case loader reads the cohort (given columns included, through
:class:`~engine.audit.given.GivenChecker`), the evaluator decides each patient, and :mod:`engine.audit.tally`
counts. This is also the recount the DuckDB path is tested against.

Why chunks of :data:`CHUNK` patients through ``Guideline.evaluate_many`` rather than one call: the results of a
million patients need not be held at once, only their counts and discordant rows.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Sequence
from itertools import islice

from engine.audit.given import Given, GivenChecker, split_facts
from engine.audit.tally import Audit, Key, count, discordant_of, result_keys, rule_order
from engine.cases.load import Loaded
from engine.cases.load import _load_file as load_file  # the loader, with the given columns' checker
from engine.evaluate.guideline import Guideline

CHUNK = 10_000


def csv_header(path: str) -> list[str] | None:
    """The header cells of a CSV file (None when it cannot be read: the loader then says why)."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            return next(csv.reader([f.readline(1_000_000)]), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return None


def load(guideline: Guideline, path: str, given: Sequence[Given]) -> Loaded:
    """The cohort's valid rows (their facts still holding the given values), with the loader's diagnostics."""
    loaded = Loaded()
    load_file(path, GivenChecker(guideline.model, given), loaded, guideline.impossible)
    if not loaded.cases and loaded.unread_files == 0 and any(d.severity == "error" for d in loaded.diagnostics) \
            and not loaded.skipped:
        loaded.unread_files = 1
    return loaded


def recount(guideline: Guideline, loaded: Loaded, given: Sequence[Given]) -> Audit:
    """The audit of the loaded cases (their given values are taken out of their facts here)."""
    model = guideline.model
    audit = Audit(model, list(given), skipped=loaded.skipped)
    columns = {g.action: g.column for g in given}
    order = rule_order(model)
    counts: Counter[Key] = Counter()
    cases = iter(loaded.cases)
    while chunk := list(islice(cases, CHUNK)):
        givens = [split_facts(case.facts, given) for case in chunk]
        results = guideline.evaluate_many([case.facts for case in chunk], validate=False)
        for case, g, result in zip(chunk, givens, results, strict=True):
            keys = result_keys(result, columns)
            count(keys, g, counts)
            audit.discordant.extend(discordant_of(keys, g, columns, order, case.line, case.id))
        audit.patients += len(chunk)
    audit.discordant.sort()
    return audit.fold(counts.items())
