"""How many real patients each change of a diff affects: both versions run on the cohort with the normal
evaluator (missing values are unknown, as in ``guidegraph run``), and each patient's per-action keys compared.

A patient whose keys differ on an action is counted under the diff's region with the same pair of keys; a pair no
region has (the patient leaves out an input that the diff's regions take as given) is counted as ``other``. A
patient the old version refuses (a value outside its declared range, an input it does not declare with a value it
cannot take) counts as not comparable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from engine.core.errors import CaseError
from engine.core.model import FactValue
from engine.diff.compare import Diff
from engine.diff.keys import NOTHING, keys_of_result
from engine.evaluate.guideline import Guideline


@dataclass
class CohortCounts:
    """Patients of a cohort per changed region (index in ``Diff.regions``), per action with a change no region
    names, in total."""

    patients: int = 0
    changed: int = 0                 # patients with a different key on at least one action
    not_comparable: int = 0          # refused by one of the versions
    per_region: dict[int, int] = field(default_factory=dict)
    other: dict[str, int] = field(default_factory=dict)  # action -> patients changed outside every region

    @property
    def share(self) -> float:
        compared = self.patients - self.not_comparable
        return self.changed / compared if compared else 0.0


def count(d: Diff, old: Guideline, new: Guideline, cases: Iterable[Mapping[str, FactValue]]) -> CohortCounts:
    """Evaluate every case (facts as ``new`` validated them) with both versions and count the changes."""
    index = {(r.action, r.old, r.new): i for i, r in enumerate(d.regions)}
    out = CohortCounts()
    for facts in cases:
        out.patients += 1
        try:
            a = keys_of_result(old.evaluate({k: v for k, v in facts.items() if k in old.model.inputs}))
            b = keys_of_result(new.evaluate(facts))
        except CaseError:
            out.not_comparable += 1
            continue
        differs = False
        for action in dict.fromkeys([*a, *b]):
            ka, kb = a.get(action, NOTHING), b.get(action, NOTHING)
            if ka == kb:
                continue
            differs = True
            i = index.get((action, ka, kb))
            if i is None:
                out.other[action] = out.other.get(action, 0) + 1
            else:
                out.per_region[i] = out.per_region.get(i, 0) + 1
        out.changed += differs
    return out
